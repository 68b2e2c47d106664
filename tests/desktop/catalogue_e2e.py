#!/usr/bin/env python3
"""The catalogue and the invoice editor in the desktop app: a product and a customer added on
their screens; a draft of several lines, one from the product (its name, price and rate fill
the line), with a line discount and an invoice discount and terms, totalled live by the engine
as it is typed; the draft edited (a refused change leaves it as it was; a line removed); issued,
paid, and the payment on the Payments screen; the device's tax rates in Settings. Bad input on
any screen is refused with the engine's reason and changes nothing.

Usage: catalogue_e2e.py PATH_TO_REMIT_DESKTOP   (run under xvfb-run; tauri-driver on PATH)
"""
import os
import struct
import sys
import tempfile
import zlib

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

        editor_story(driver)
        payments_and_rates(driver)


LINE = '[data-testid="editor-lines"] tbody tr:nth-child({}) [data-testid="{}"]'


def total_is(driver, text, what):
    try:
        return wait_for_text(driver, '[data-testid="editor-total"]', lambda t: t == text, what)
    except AssertionError:
        shown = [driver.text(e) for e in driver.find('[data-testid="editor-totals"], [data-testid="editor-lines"]')]
        raise AssertionError(f"{what}: the editor shows {shown}") from None


def editor_story(driver):
    driver.click('[data-testid="nav-invoices"]')
    driver.click('[data-testid="new-invoice"]')
    driver.click('[data-testid="invoice-customer"] option:nth-child(2)')
    driver.click(LINE.format(1, "line-product") + ' option:nth-child(2)')
    driver.retype(LINE.format(1, "line-quantity"), "40")
    total_is(driver, "$6,600.00", "the product's line: 40 × 150.00 + 10 %")
    driver.click('[data-testid="add-line"]')
    driver.retype(LINE.format(2, "line-description"), "Rush fee")
    driver.retype(LINE.format(2, "line-price"), "500")
    driver.retype(LINE.format(2, "line-tax"), "10")
    driver.click(LINE.format(2, "line-discount-kind") + ' option[value="amount"]')
    driver.retype(LINE.format(2, "line-discount"), "100")
    total_is(driver, "$7,040.00", "(6000 + 500 - 100) + 10 %")
    driver.click('[data-testid="invoice-discount-kind"] option[value="percent"]')
    driver.retype('[data-testid="invoice-discount"]', "10")
    total = total_is(driver, "$6,336.00", "10 % off the invoice: 6400 - 640 + 10 %")
    discount = driver.text(driver.find('[data-testid="editor-discount"]')[0])
    assert discount == "-$640.00", discount
    print(f"ok: the editor totals lines, a line discount and an invoice discount live: {total}")
    driver.retype('[data-testid="invoice-terms"]', "Net 30")
    driver.retype('[data-testid="invoice-po"]', "PO-77")
    driver.click('[data-testid="save-draft"]')
    shown = wait_for_text(driver, '[data-testid="detail-total"], [data-testid="editor-error"]', lambda t: t != "",
                          "the saved draft")
    assert shown == "$6,336.00", shown
    print(f"ok: the draft is saved as the editor showed it: {shown}")

    driver.click('[data-testid="edit-draft"]')
    driver.retype(LINE.format(2, "line-price"), "5,00")
    driver.click('[data-testid="save-draft"]')
    error = wait_for_text(driver, '[data-testid="editor-error"]', lambda t: t != "", "a refused edit")
    assert "line_items[1].unit_price" in error, error
    driver.retype(LINE.format(2, "line-price"), "500")
    driver.click(LINE.format(2, "remove-line"))
    total_is(driver, "$5,940.00", "one line left: 6000 - 10 % + 10 %")
    driver.click('[data-testid="save-draft"]')
    shown = wait_for_text(driver, '[data-testid="detail-total"]', lambda t: t == "$5,940.00", "the edited draft")
    print(f"ok: a mistyped price is refused with its field named ({error!r}); a line removed: {shown}")

    driver.click('[data-testid="issue"]')
    wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t == "Issued", "issued")
    driver.retype('[data-testid="pay-amount"]', "940.00")
    driver.click('[data-testid="pay"]')
    wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t == "Partially paid", "partially paid")
    timeline = wait_for_text(driver, '[data-testid="timeline"]', lambda t: "Payment of $940.00" in t, "timeline")
    assert "Issued as INV-" in timeline and "not yet synced" in timeline, timeline
    print(f"ok: the timeline lists the facts, marked until synced: {timeline!r}")

    driver.click('[data-testid="void"]')
    driver.click('[data-testid="confirm-void"]')
    error = wait_for_text(driver, '[data-testid="invoice-error"]', lambda t: t != "", "void needs the server")
    assert "needs_server" in error, error
    status = driver.text(driver.find('[data-testid="detail-status"]')[0])
    assert status == "Partially paid", status
    print(f"ok: voiding on a device that never connected is refused clearly and changes nothing: {error!r}")


def payments_and_rates(driver):
    driver.click('[data-testid="nav-payments"]')
    row = wait_for_text(driver, '[data-testid="payment-list"] tbody tr', lambda t: "$940.00" in t, "the payment")
    assert "Cash" in row and "Not yet synced" in row and "ACME" in row, row
    driver.click('[data-testid="payment-list"] tbody tr button')
    wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t == "Partially paid", "its invoice opened")
    print(f"ok: the Payments screen lists it and opens its invoice: {row!r}")

    driver.click('[data-testid="nav-settings"]')
    driver.click('[data-testid="add-rate"]')
    driver.retype('[data-testid="rate-name"]', "GST")
    driver.retype('[data-testid="rate-percent"]', "ten")
    driver.click('[data-testid="save-rates"]')
    error = wait_for_text(driver, '[data-testid="rates-error"]', lambda t: t != "", "a bad rate")
    assert "decimal" in error, error
    driver.retype('[data-testid="rate-percent"]', "10.00")
    driver.click('[data-testid="save-rates"]')
    wait_for_text(driver, '[data-testid="tax-rates"] [role="status"]', lambda t: t == "Saved.", "rates saved")
    assert driver.value('[data-testid="rate-percent"]') == "10", "kept as the engine normalised it"
    print(f"ok: tax rates: a bad one refused ({error!r}), GST 10 % saved")
    logo(driver)


def png(width, height):
    """A real RGB PNG, made here so the test needs no image file."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x20\x50\xb2" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def logo(driver):
    folder = tempfile.mkdtemp(prefix="remit-logo-")
    broken, good = os.path.join(folder, "broken.png"), os.path.join(folder, "logo.png")
    with open(broken, "wb") as f:
        f.write(b"not a picture")
    with open(good, "wb") as f:
        f.write(png(40, 20))
    driver.send_file('[data-testid="profile-logo"]', broken)
    driver.click('[data-testid="profile-save"]')
    error = wait_for_text(driver, '[data-testid="profile-error"]', lambda t: "logo" in t, "a broken logo refused")
    driver.send_file('[data-testid="profile-logo"]', good)
    driver.click('[data-testid="profile-save"]')
    driver.present('img[alt="Company logo"]')
    wait_for_text(driver, '[data-testid="profile-saved"]', lambda t: t == "Saved.", "the profile saved")
    print(f"ok: a logo that is not a PNG is refused ({error!r}); a PNG logo is saved with the profile")

if __name__ == "__main__":
    main()
