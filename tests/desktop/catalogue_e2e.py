#!/usr/bin/env python3
"""The catalogue in the desktop app: a product and a customer added on their screens, a draft
made from the product (its name, price and rate fill the line), totalled by the engine; bad
input on either screen is refused with the engine's reason and adds nothing.

Usage: catalogue_e2e.py PATH_TO_REMIT_DESKTOP   (run under xvfb-run; tauri-driver on PATH)
"""
import sys
import tempfile

from webdriver import App, first_run, wait_for_text


def main():
    with App(sys.argv[1], tempfile.mkdtemp(prefix="remit-desktop-")) as driver:
        first_run(driver)
        driver.click('[data-testid="nav-products"]')
        driver.retype('[data-testid="new-product-name"]', "Web Development")
        driver.retype('[data-testid="new-product-price"]', "15O.00")
        driver.click('[data-testid="new-product"]')
        error = wait_for_text(driver, '[data-testid="product-error"]', lambda t: t != "", "a bad price refused")
        assert "No products yet" in driver.text(driver.find('[data-testid="product-list"] tbody tr')[0])
        print(f"ok: a mistyped price is refused and nothing is added: {error}")
        driver.retype('[data-testid="new-product-price"]', "150.00")
        driver.retype('[data-testid="new-product-tax"]', "10")
        driver.click('[data-testid="new-product"]')
        row = wait_for_text(driver, '[data-testid="product-list"] tbody tr', lambda t: "Web Development" in t, "product")
        assert "$150.00" in row and "10 %" in row, row
        print(f"ok: a product is added to the catalogue: {row!r}")

        driver.click('[data-testid="nav-customers"]')
        driver.retype('[data-testid="new-customer-name"]', "ACME Corporation")
        driver.click('[data-testid="new-customer"]')
        row = wait_for_text(driver, '[data-testid="customer-list"] tbody tr', lambda t: "ACME" in t, "customer")
        print(f"ok: a customer is added: {row!r}")

        driver.click('[data-testid="nav-invoices"]')
        driver.click("details summary")
        driver.click('[data-testid="invoice-customer"] option:nth-child(2)')
        driver.click('[data-testid="invoice-product"] option:nth-child(2)')
        driver.retype('[data-testid="invoice-quantity"]', "40")
        driver.click('[data-testid="create-invoice"]')
        paid = wait_for_text(driver, '[data-testid="paid-line"]', lambda t: t.startswith("Paid"), "the draft")
        assert paid == "Paid $0 of $6,600 (0%)", paid
        print(f"ok: a draft made from the product totals 40 × 150.00 + 10 % = $6,600 ({paid!r})")


if __name__ == "__main__":
    main()
