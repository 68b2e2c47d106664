#!/usr/bin/env python3
"""Screenshots of the main screens from the running app, at desktop and phone sizes, into
docs/screenshots/ (scripts/screenshots runs this under Xvfb). The replica is seeded through
the `remit` CLI beside the app binary, so the pictures show what the engine really computes.

Usage: screenshots.py PATH_TO_REMIT_DESKTOP OUT_DIR
"""
import base64
import os
import subprocess
import sys
import tempfile
import time

from webdriver import App, first_run, retried, wait_for_text

BIN_DIR = os.path.dirname(os.path.abspath(sys.argv[1]))
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
INVOICES = [
    # customer, lines, issue?, payments
    ("ACME Corporation", ["Web Development|40|150.00|10"], True, ["3300.00"]),
    ("Globex Ltd", ["Design sprint|1|4800.00|20", "Hosting (12 months)|12|25.00|20"], True, ["6120.00"]),
    ("Initech GmbH", ["Consulting day|3|950.00|19"], True, []),
    ("Umbrella Health", ["Support retainer|1|1200.00|0"], False, []),
    ("Stark Industries", ["Field survey|2|780.00|10", "Travel|1|145.50|0"], True, ["500.00"]),
]


def remit(data_dir, *args):
    out = subprocess.run([os.path.join(BIN_DIR, "remit"), "--data-dir", data_dir, *args],
                         check=True, capture_output=True, text=True).stdout
    return out


def seed(data_dir):
    import json
    for name, lines, issue, payments in INVOICES:
        customer = json.loads(remit(data_dir, "customer", "create", "--name", name, "--json"))["id"]
        args = ["invoice", "create", "--customer", customer, "--currency", "USD", "--json"]
        for line in lines:
            args += ["--line", line]
        invoice = json.loads(remit(data_dir, *args))["id"]
        if issue:
            remit(data_dir, "invoice", "issue", invoice)
        for amount in payments:
            remit(data_dir, "payment", "record", "--invoice", invoice, "--amount", amount, "--method", "bank_transfer")


def statement(data_dir):
    """A bank statement for the seeded book: Initech pays quoting its invoice (matched
    automatically), Stark pays what it owes without a reference (a suggestion), the bank pays
    interest (to review); imported and matched with the CLI."""
    import datetime
    import json
    today = datetime.date.today().isoformat()
    rows = json.loads(remit(data_dir, "invoice", "list", "--json"))["data"]
    owed = {v["customer"]["name"]: v for v in rows if v.get("number") and v["amount_due"] != "0.00"}
    initech, stark = owed["Initech GmbH"], owed["Stark Industries"]
    path = os.path.join(data_dir, "november.csv")
    with open(path, "w") as f:
        f.write("Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n"
                f"B-1001,{today},{initech['amount_due']},USD,INITECH GMBH,{initech['number']},\n"
                f"B-1002,{today},{stark['amount_due']},USD,Stark Industries Inc,,\n"
                f"B-1003,{today},12.34,USD,Interest,,Interest November\n")
    remit(data_dir, "reconcile", "import", path)
    remit(data_dir, "reconcile", "run")


def shoot(driver, out_dir, name):
    # WebKit hands back the last painted frame: give the one just rendered time to paint.
    time.sleep(0.8)
    png = base64.b64decode(driver.call("GET", f"/session/{driver.session}/screenshot"))
    path = os.path.join(out_dir, f"{name}.png")
    with open(path, "wb") as f:
        f.write(png)
    print(f"wrote {path} ({len(png)} bytes)")


def editor(driver):
    """A new invoice half typed: two lines, one discounted, a discount on the whole, live totals."""
    line = '[data-testid="editor-lines"] tbody tr:nth-child({}) [data-testid="{}"]'
    driver.click('[data-testid="nav-invoices"]')
    driver.click('[data-testid="new-invoice"]')
    driver.click('[data-testid="invoice-customer"] option:nth-child(2)')
    driver.retype('[data-testid="invoice-currency"]', "USD")
    for row, (text, qty, price, tax) in enumerate([("Site visit and survey", "2", "780.00", "10"),
                                                   ("Report and drawings", "1", "1250.00", "10")], start=1):
        if row > 1:
            driver.click('[data-testid="add-line"]')
        driver.retype(line.format(row, "line-description"), text)
        driver.retype(line.format(row, "line-quantity"), qty)
        driver.retype(line.format(row, "line-price"), price)
        driver.retype(line.format(row, "line-tax"), tax)
    driver.click(line.format(2, "line-discount-kind") + ' option[value="percent"]')
    driver.retype(line.format(2, "line-discount"), "10")
    driver.retype('[data-testid="invoice-terms"]', "Payment within 30 days by bank transfer.")
    wait_for_text(driver, '[data-testid="editor-total"]', lambda t: t.startswith("$"), "live totals")
    driver.call("POST", f"/session/{driver.session}/execute/sync",
                {"script": "document.querySelector('[data-testid=invoice-editor]').scrollIntoView()", "args": []})


def resize(driver, size):
    width, height = SIZES[size]
    retried(lambda: driver.call("POST", f"/session/{driver.session}/window/rect", {"width": width, "height": height}))


def main():
    out_dir = os.path.abspath(sys.argv[2])
    os.makedirs(out_dir, exist_ok=True)
    for size in SIZES:
        fresh = tempfile.mkdtemp(prefix="remit-shots-")
        with App(sys.argv[1], fresh) as driver:
            resize(driver, size)
            wait_for_text(driver, 'section[aria-label="Welcome"] h2', lambda t: "Welcome" in t, "first run")
            shoot(driver, out_dir, f"first-run-{size}")

        data_dir = tempfile.mkdtemp(prefix="remit-shots-")
        remit(data_dir, "init")
        seed(data_dir)
        statement(data_dir)
        with App(sys.argv[1], data_dir) as driver:
            resize(driver, size)
            first_run(driver, "Field Services Co")
            wait_for_text(driver, '[data-testid="figures-USD"] [data-testid="outstanding"]', lambda t: t != "", "dashboard")
            shoot(driver, out_dir, f"dashboard-{size}")
            driver.click('[data-testid="nav-invoices"]')
            wait_for_text(driver, '[data-testid="invoice-list"] tbody tr', lambda t: "ACME" in t or "Stark" in t, "list")
            shoot(driver, out_dir, f"invoices-{size}")
            driver.click('[data-testid="invoice-list"] tbody tr:last-child button')
            wait_for_text(driver, '[data-testid="paid-line"]', lambda t: t.startswith("Paid"), "detail")
            shoot(driver, out_dir, f"invoice-detail-{size}")
            driver.click('[data-testid="nav-payments"]')
            wait_for_text(driver, '[data-testid="payment-list"] tbody tr', lambda t: "$" in t, "payments")
            shoot(driver, out_dir, f"payments-{size}")
            driver.click('[data-testid="nav-reconcile"]')
            wait_for_text(driver, '[data-testid="column-matched"] h2', lambda t: t.endswith("1"), "reconcile")
            shoot(driver, out_dir, f"reconcile-{size}")
            editor(driver)
            shoot(driver, out_dir, f"invoice-editor-{size}")
            driver.click('[data-testid="nav-customers"]')
            wait_for_text(driver, '[data-testid="customer-list"] tbody tr', lambda t: "ACME" in t, "customers")
            shoot(driver, out_dir, f"customers-{size}")
            driver.click('[data-testid="nav-settings"]')
            wait_for_text(driver, 'section[aria-label="Settings"] h2', lambda t: t != "", "settings")
            shoot(driver, out_dir, f"settings-{size}")
            driver.click('[data-testid="nav-quote"]')
            wait_for_text(driver, '[data-testid="total"]', lambda t: "USD" in t, "quote")
            shoot(driver, out_dir, f"quote-{size}")


if __name__ == "__main__":
    main()
