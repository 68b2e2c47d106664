#!/usr/bin/env python3
"""WebDriver for the desktop tests (*_e2e.py): the real Tauri binary under Xvfb, driven
through tauri-driver in front of WebKitWebDriver. Standard library only."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

W3C_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dropped(RuntimeError):
    """The driver dropped the connection before answering.

    tauri-driver keeps connections to WebKitWebDriver alive, and one that WebKitWebDriver has
    just closed fails the next request ("client error (SendRequest)"). Every step below is
    idempotent (find, read, clear-then-type), so such a step is simply tried again.
    """


def retried(step, attempts=4):
    for attempt in range(attempts):
        try:
            return step()
        except Dropped as e:
            if attempt == attempts - 1:
                raise
            print(f"note: trying again after a dropped connection: {e}", file=sys.stderr)
            time.sleep(0.5)


class Driver:
    def __init__(self, base):
        self.base = base
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return json.loads(res.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from None
        except OSError as e:
            raise Dropped(f"{method} {path}: {e!r}") from None

    def start(self, application):
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": application}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def find(self, css):
        body = {"using": "css selector", "value": css}
        found = retried(lambda: self.call("POST", f"/session/{self.session}/elements", body))
        return [e[W3C_ELEMENT] for e in found]

    def text(self, element):
        return retried(lambda: self.call("GET", f"/session/{self.session}/element/{element}/text"))

    def value(self, css):
        """The current value of an input (what a person sees in it, not its text)."""
        self.present(css)
        element = self.find(css)[0]
        return retried(lambda: self.call("GET", f"/session/{self.session}/element/{element}/property/value"))

    def retype(self, css, text):
        self.present(css)

        # Clear, then type (typing fires the input events the UI listens to); as one step, so
        # trying it again after a dropped connection leaves the same text.
        def step():
            element = self.find(css)[0]
            self.call("POST", f"/session/{self.session}/element/{element}/clear", {})
            self.call("POST", f"/session/{self.session}/element/{element}/value", {"text": text})
        retried(step)

    def send_file(self, css, path):
        """Chooses a file in an <input type=file>, as the file dialog would."""
        self.present(css)
        element = self.find(css)[0]
        retried(lambda: self.call("POST", f"/session/{self.session}/element/{element}/value", {"text": path}))

    def present(self, css, timeout=10):
        """Waits for `css` to be in the page (a screen just switched, a list loading)."""
        deadline = time.time() + timeout
        while not self.find(css):
            if time.time() > deadline:
                raise AssertionError(f"{css} did not appear in {timeout} s")
            time.sleep(0.1)

    def click(self, css):
        self.present(css)

        def step():
            element = self.find(css)[0]
            # WebKitWebDriver clicks where the element would be without scrolling it into view
            # first when it is below the window (a long form): the click lands on nothing. The
            # element is brought to the middle of the window, as a person would scroll to it.
            self.call("POST", f"/session/{self.session}/execute/sync",
                      {"script": "arguments[0].scrollIntoView({block: 'center', inline: 'center'})", "args": [{W3C_ELEMENT: element}]})
            self.call("POST", f"/session/{self.session}/element/{element}/click", {})
        retried(step)

    def focus(self, css):
        """Gives keyboard focus to the first element matching `css` (as Tab would reach it)."""
        self.present(css)
        element = self.find(css)[0]
        self.call("POST", f"/session/{self.session}/execute/sync",
                  {"script": "arguments[0].focus()", "args": [{W3C_ELEMENT: element}]})

    def press(self, key):
        """A real key press (down and up) on whatever has the focus."""
        keys = [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.call("POST", f"/session/{self.session}/actions",
                  {"actions": [{"type": "key", "id": "keyboard", "actions": keys}]})

    def stop(self):
        if self.session:
            self.call("DELETE", f"/session/{self.session}")


def wait_for_text(driver, css, predicate, what, timeout=20):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        elements = driver.find(css)
        if elements:
            try:
                last = driver.text(elements[0])
            except RuntimeError as e:
                # Re-rendered between finding and reading it: find it again.
                if "stale element" not in str(e):
                    raise
                continue
            if predicate(last):
                return last
        time.sleep(0.2)
    raise AssertionError(f"{what}: {css} showed {last!r} after {timeout} s")


class App:
    """The app under tauri-driver, on a replica of its own (REMIT_DATA_DIR)."""

    def __init__(self, application, data_dir):
        self.application = os.path.abspath(application)
        port = free_port()
        # The driver's output goes to a file: an unread pipe fills up and stalls the driver.
        self.log = tempfile.NamedTemporaryFile(prefix="tauri-driver-", suffix=".log", delete=False)
        env = dict(os.environ, REMIT_DATA_DIR=data_dir)
        self.proc = subprocess.Popen(["tauri-driver", "--port", str(port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.driver = Driver(f"http://127.0.0.1:{port}")

    def __enter__(self):
        for _ in range(100):
            try:
                self.driver.call("GET", "/status")
                break
            except (OSError, RuntimeError):
                time.sleep(0.1)
        self.driver.start(self.application)
        return self.driver

    def __exit__(self, kind, value, tb):
        if kind is not None:
            self.log.flush()
            with open(self.log.name, errors="replace") as f:
                tail = f.read()[-4000:]
            print(f"--- tauri-driver log (last 4000 characters) ---\n{tail}", file=sys.stderr)
        try:
            self.driver.stop()
        except Exception as e:  # the app may already be gone; report, do not mask the test result
            print(f"note: closing the session failed: {e}", file=sys.stderr)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return False


def first_run(driver, company="Field Services Co"):
    """The first-run screen: the company profile, then the app proper."""
    wait_for_text(driver, 'section[aria-label="Welcome"] h2', lambda t: "Welcome" in t, "the first-run screen")
    driver.retype('[data-testid="profile-name"]', company)
    driver.click('[data-testid="profile-save"]')
    wait_for_text(driver, '[data-testid="nav-dashboard"]', lambda t: t == "Dashboard", "the app after the first run")


class SyncServer:
    """remit-server on loopback with its embedded SQLite, one tenant; `api_key` is its owner's."""

    def __init__(self, binary_dir):
        self.binary = os.path.join(binary_dir, "remit-server")
        self.dir = tempfile.mkdtemp(prefix="remit-server-")
        self.db = f"sqlite:{os.path.join(self.dir, 'remit.db')}"
        self.base = f"http://127.0.0.1:{free_port()}"
        self.proc = None
        self.api_key = None

    def __enter__(self):
        made = subprocess.run([self.binary, "admin", "create-tenant", "--name", "Field Services Co",
                               "--plan", "professional", "--owner-email", "owner@field.example",
                               "--database-url", self.db], check=True, capture_output=True, text=True)
        self.api_key = json.loads(made.stdout)["owner"]["api_key"]
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen([self.binary, "serve", "--database-url", self.db, "--listen",
                                      self.base.removeprefix("http://"), "--outbox", os.path.join(self.dir, "outbox")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                self.get("/v1/me")
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"remit-server did not answer at {self.base}")

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body):
        return self.call("POST", path, body)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.api_key}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.loads(res.read())

    def __exit__(self, kind, value, tb):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()
        if kind is not None:
            with open(os.path.join(self.dir, "server.log"), errors="replace") as f:
                print(f"--- remit-server log ---\n{f.read()[-4000:]}", file=sys.stderr)
