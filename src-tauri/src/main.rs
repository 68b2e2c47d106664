// Release builds on Windows get no console window; harmless elsewhere.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    remit_desktop_lib::run();
}
