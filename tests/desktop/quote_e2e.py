#!/usr/bin/env python3
"""The quote calculator end to end: types into the UI, reads what the Rust engine answered.

Usage: quote_e2e.py PATH_TO_REMIT_DESKTOP   (run under xvfb-run; tauri-driver on PATH)
"""
import sys
import tempfile

from webdriver import App, first_run, wait_for_text


def main():
    with App(sys.argv[1], tempfile.mkdtemp(prefix="remit-desktop-")) as driver:
        first_run(driver)
        driver.click('[data-testid="nav-quote"]')
        # The spec's example is the starting line: 40 × 150.00 at 10 %.
        wait_for_text(driver, '[data-testid="total"]', lambda t: t == "6600.00 USD", "initial total")
        print("ok: the engine totals the spec example to 6600.00 USD")

        driver.retype('[data-testid="quantity-0"]', "41")
        wait_for_text(driver, '[data-testid="total"]', lambda t: t == "6765.00 USD", "total after editing")
        print("ok: editing the quantity recomputes the total (6765.00 USD)")

        driver.retype('[data-testid="currency"]', "JPY")
        driver.retype('[data-testid="unit-price-0"]', "150.5")
        # 41 × 150.5 = 6170.5 → 6171 yen; tax 617.1 → 617; total 6788.
        wait_for_text(driver, '[data-testid="total"]', lambda t: t == "6788 JPY", "yen total")
        print("ok: yen rounds to whole units (6788 JPY)")

        driver.retype('[data-testid="currency"]', "XYZ")
        error = wait_for_text(driver, '[data-testid="error"]', lambda t: "XYZ" in t, "bad currency error")
        assert "invalid_request" in error, error
        print(f"ok: an unknown currency is refused with a clear error: {error}")
        driver.retype('[data-testid="currency"]', "JPY")
        wait_for_text(driver, '[data-testid="total"]', lambda t: t == "6788 JPY", "yen total again")

        driver.retype('[data-testid="tax-rate-0"]', "150")
        error = wait_for_text(driver, '[data-testid="error"]', lambda t: "tax_rate" in t, "bad rate error")
        assert "validation_failed" in error, error
        assert not driver.find('[data-testid="total"]'), "no total is shown for invalid lines"
        print(f"ok: a bad tax rate is refused with a clear error: {error}")


if __name__ == "__main__":
    main()
