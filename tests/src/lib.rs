//! remit-tests: whole-system stories (device engine and server over loopback, third-party
//! HTTP fakes) and checks that hold for the whole repository. The tests live in `tests/`;
//! this library will hold their shared harness.
