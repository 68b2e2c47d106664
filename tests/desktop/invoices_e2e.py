#!/usr/bin/env python3
"""Invoices in the desktop app, offline, end to end: a customer and a draft made through the UI
land in the device's replica (the `remit` CLI reads the same one), the list shows the draft's
badge, the detail its running balance, and a payment on a draft is refused with the engine's
reason.

Usage: invoices_e2e.py PATH_TO_REMIT_DESKTOP   (run under xvfb-run; tauri-driver on PATH; the
`remit` CLI beside the app binary)
"""
import json
import os
import subprocess
import sys
import tempfile

from webdriver import App, wait_for_text


def main():
    data_dir = tempfile.mkdtemp(prefix="remit-desktop-")
    with App(sys.argv[1], data_dir) as driver:
        driver.click('[data-testid="nav-invoices"]')
        wait_for_text(driver, '[data-testid="invoice-list"] .empty', lambda t: "No invoices yet" in t, "empty list")
        driver.click("details summary")
        driver.retype('[data-testid="customer-name"]', "ACME Corporation")
        driver.click('[data-testid="add-customer"]')
        wait_for_text(driver, '[data-testid="invoice-customer"] option:nth-child(2)', lambda t: t == "ACME Corporation",
                      "the new customer in the picker")
        driver.click('[data-testid="invoice-customer"] option:nth-child(2)')
        driver.retype('[data-testid="invoice-description"]', "Web Development")
        driver.retype('[data-testid="invoice-price"]', "6000.00")
        driver.retype('[data-testid="invoice-tax"]', "10")
        driver.click('[data-testid="create-invoice"]')
        paid = wait_for_text(driver, '[data-testid="paid-line"]', lambda t: t.startswith("Paid"), "the running balance")
        assert paid == "Paid $0 of $6,600 (0%)", paid
        status = wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t != "", "the status badge")
        assert status == "Draft", status
        row = wait_for_text(driver, '[data-testid="invoice-list"] tbody tr', lambda t: "ACME" in t, "the list row")
        assert "Draft" in row and "$6,600.00" in row, row
        print(f"ok: a draft made in the app is listed ({row!r}) and shows {paid!r}")

        driver.retype('[data-testid="pay-amount"]', "100.00")
        driver.click('[data-testid="pay"]')
        error = wait_for_text(driver, '[data-testid="invoice-error"]', lambda t: "invoice_not_issued" in t,
                              "the refusal of a payment on a draft")
        print(f"ok: a payment on a draft is refused with the engine's reason: {error}")

    # The app wrote the device's replica, which the CLI reads as well.
    remit = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "remit")
    out = subprocess.run([remit, "--data-dir", data_dir, "invoice", "list", "--json"],
                         check=True, capture_output=True, text=True).stdout
    listed = json.loads(out)
    rows = listed["data"] if isinstance(listed, dict) else listed
    assert [(r["customer"]["name"], r["total"], r["status"]) for r in rows] == [("ACME Corporation", "6600.00", "draft")], rows
    print("ok: the remit CLI lists the same draft from the same replica")


if __name__ == "__main__":
    main()
