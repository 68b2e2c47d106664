#!/usr/bin/env python3
"""The desktop app's acceptance story, end to end: a first run with no server (the company
profile, then work), a customer and an invoice made offline, issued on the device, a partial
payment showing "Partially paid" and the progress bar; then connecting to a running sync
server in Settings, syncing, and finding the invoice over the REST API; the rest paid at the
office arrives with the next sync as news (the engine's event) and the invoice shows Paid. The `remit` CLI reads
the same replica meanwhile; the session's token goes to the OS keyring, not to a file.

Usage: invoices_e2e.py PATH_TO_REMIT_DESKTOP   (run under xvfb-run in a D-Bus session with an
unlocked Secret Service; tauri-driver on PATH; `remit` and `remit-server` beside the app binary)
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

from webdriver import App, SyncServer, first_run, wait_for_text

BIN_DIR = os.path.dirname(os.path.abspath(sys.argv[1]))
DOWNLOADS = tempfile.mkdtemp(prefix="remit-downloads-")
os.environ["REMIT_DOWNLOAD_DIR"] = DOWNLOADS  # the app inherits it through tauri-driver


def cli(data_dir, *args):
    out = subprocess.run([os.path.join(BIN_DIR, "remit"), "--data-dir", data_dir, *args, "--json"],
                         check=True, capture_output=True, text=True).stdout
    listed = json.loads(out)
    return listed["data"] if isinstance(listed, dict) and "data" in listed else listed


def make_draft(driver):
    driver.click('[data-testid="nav-invoices"]')
    wait_for_text(driver, '[data-testid="invoice-list"] .empty', lambda t: "No invoices yet" in t, "empty list")
    driver.click('[data-testid="new-invoice"]')
    driver.retype('[data-testid="customer-name"]', "ACME Corporation")
    driver.click('[data-testid="add-customer"]')
    wait_for_text(driver, '[data-testid="invoice-customer"] option:nth-child(2)', lambda t: t == "ACME Corporation",
                  "the new customer in the picker")
    driver.click('[data-testid="invoice-customer"] option:nth-child(2)')
    line = '[data-testid="editor-lines"] tbody tr:nth-child(1) '
    driver.retype(line + '[data-testid="line-description"]', "Web Development")
    driver.retype(line + '[data-testid="line-price"]', "6000.00")
    driver.retype(line + '[data-testid="line-tax"]', "10")
    total = wait_for_text(driver, '[data-testid="editor-total"]', lambda t: t == "$6,600.00", "the live total")
    print(f"ok: the editor totals the line as it is typed: {total}")
    driver.click('[data-testid="save-draft"]')
    paid = wait_for_text(driver, '[data-testid="paid-line"]', lambda t: t.startswith("Paid"), "the running balance")
    assert paid == "Paid $0 of $6,600 (0%)", paid
    status = wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t != "", "the status badge")
    assert status == "Draft", status
    print(f"ok: a draft made offline shows {paid!r}")


def server_actions(driver, server, number):
    """What only the server does, from the invoice's detail: e-mail it, its portal link, void it."""
    driver.click('[data-testid="send"]')
    driver.retype('[data-testid="send-to"]', "billing@acme.example")
    driver.click('[data-testid="confirm-send"]')
    sent = wait_for_text(driver, '[data-testid="timeline"]', lambda t: "Sent to the customer" in t, "the sent fact")
    outbox = os.path.join(server.dir, "outbox")
    mails = [open(os.path.join(outbox, f), errors="replace").read() for f in os.listdir(outbox)]
    assert len(mails) == 1 and "billing@acme.example" in mails[0] and number in mails[0], mails
    print("ok: Send e-mails the invoice through the server (one message in its outbox) and the timeline says so")

    driver.click('[data-testid="portal-link"]')
    driver.present('[data-testid="portal-url"]')
    link = driver.value('[data-testid="portal-url"]')
    assert link.startswith(server.base + "/portal/invoices/"), link
    print(f"ok: the portal link is the server's: {link}")

    driver.click('[data-testid="void"]')
    driver.retype('[data-testid="void-reason"]', "entered twice")
    driver.click('[data-testid="confirm-void"]')
    status = wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t == "Void", "the void badge")
    wait_for_text(driver, '[data-testid="timeline"]', lambda t: "Voided: entered twice" in t, "the void in the timeline")
    on_server = server.get("/v1/invoices")["data"][0]
    assert (on_server["status"], on_server["number"]) == ("voided", number), on_server
    print(f"ok: Void goes through the server; the invoice keeps {number} and shows {status}")

    driver.click('[data-testid="nav-settings"]')
    team = wait_for_text(driver, '[data-testid="team"] table', lambda t: "owner@field.example" in t, "the team")
    assert "Owner" in team, team
    driver.retype('[data-testid="member-email"]', "ann@field.example")
    driver.click('[data-testid="member-role"] option[value="accountant"]')
    driver.click('[data-testid="add-member"]')
    key = wait_for_text(driver, '[data-testid="member-key"]', lambda t: "ann@field.example" in t, "the new key")
    users = {u["email"]: u["role"] for u in server.get("/v1/users")["data"]}
    assert users.get("ann@field.example") == "accountant", users
    assert "rk_" in key, key
    print("ok: Settings lists the tenant's users and roles and adds a member (her API key shown once)")


def main():
    data_dir = tempfile.mkdtemp(prefix="remit-desktop-")
    number = f"INV-{datetime.date.today().year}-0001"
    with App(sys.argv[1], data_dir) as driver:
        first_run(driver, "Field Services Co")
        state = wait_for_text(driver, '[data-testid="sync-state"]', lambda t: "Not connected" in t, "standalone state")
        print(f"ok: first run with no server: profile, then straight to work ({state!r})")
        make_draft(driver)

        driver.retype('[data-testid="pay-amount"]', "100.00")
        driver.click('[data-testid="pay"]')
        error = wait_for_text(driver, '[data-testid="invoice-error"]', lambda t: "invoice_not_issued" in t,
                              "the refusal of a payment on a draft")
        print(f"ok: a payment on a draft is refused with the engine's reason: {error}")

        driver.click('[data-testid="issue"]')
        status = wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t == "Issued", "issued")
        title = wait_for_text(driver, '[data-testid="invoice-detail"] h2', lambda t: number in t, "the number")
        print(f"ok: issued on a device that never connected, numbered {number} ({title!r})")

        driver.retype('[data-testid="pay-amount"]', "1000.00")
        driver.click('[data-testid="pay"]')
        status = wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t == "Partially paid", "partially paid")
        paid = wait_for_text(driver, '[data-testid="paid-line"]', lambda t: "1,000" in t, "the paid line")
        assert paid == "Paid $1,000 of $6,600 (15%)", paid
        bar = driver.find('[data-testid="invoice-detail"] progress')
        value = driver.call("GET", f"/session/{driver.session}/element/{bar[0]}/attribute/value")
        assert value == "15", value
        badge = driver.find('[data-testid="detail-status"]')[0]
        tone = driver.call("GET", f"/session/{driver.session}/element/{badge}/attribute/class")
        assert "yellow" in tone, tone
        print(f"ok: a partial payment shows {status!r} in yellow, {paid!r} and the bar at {value}%")

        driver.click('[data-testid="nav-dashboard"]')
        owed = wait_for_text(driver, '[data-testid="figures-USD"] [data-testid="outstanding"]', lambda t: t != "",
                             "the dashboard")
        received = driver.text(driver.find('[data-testid="figures-USD"] [data-testid="received"]')[0])
        overdue = driver.text(driver.find('[data-testid="figures-USD"] [data-testid="overdue"]')[0])
        assert (owed, overdue, received) == ("$5,600.00", "$0.00", "$1,000.00"), (owed, overdue, received)
        activity = wait_for_text(driver, '[data-testid="dashboard-activity"] li', lambda t: "received" in t, "activity")
        assert "$1,000.00 received from ACME Corporation for " + number in activity, activity
        print(f"ok: the dashboard shows {owed} outstanding, {overdue} overdue, {received} received this month, "
              f"and the payment as the latest activity")
        driver.click('[data-testid="nav-invoices"]')

        driver.click('[data-testid="invoice-list"] tbody tr button')
        driver.click('[data-testid="save-pdf"]')
        saved = wait_for_text(driver, '[data-testid="pdf-saved"]', lambda t: t.startswith("Saved to"), "the PDF")
        path = saved.removeprefix("Saved to ")
        assert path == os.path.join(DOWNLOADS, f"{number}.pdf"), path
        with open(path, "rb") as f:
            assert f.read(5) == b"%PDF-", "a PDF"
        print(f"ok: the invoice is rendered offline as a PDF: {path}")

        rows = cli(data_dir, "invoice", "list")
        assert [(r["number"], r["status"], r["amount_paid"]) for r in rows] == [(number, "partially_paid", "1000.00")], rows
        print("ok: the remit CLI reads the same invoice from the same replica")

        with SyncServer(BIN_DIR) as server:
            driver.click('[data-testid="nav-settings"]')
            driver.retype('[data-testid="server-url"]', server.base)
            driver.retype('[data-testid="api-key"]', "rk_wrong_key")
            driver.click('[data-testid="connect"]')
            error = wait_for_text(driver, '[data-testid="sync-error"]', lambda t: t != "", "a refused key")
            assert "unauthenticated" in error, error
            print(f"ok: a wrong API key is refused and nothing connects: {error!r}")

            driver.retype('[data-testid="api-key"]', server.api_key)
            driver.click('[data-testid="connect"]')
            report = wait_for_text(driver, '[data-testid="sync-report"]', lambda t: t.startswith("Synced"), "the sync")
            wait_for_text(driver, '[data-testid="connected-to"]', lambda t: server.base in t, "connected")
            print(f"ok: connected in Settings and synced: {report!r}")

            invoices = server.get("/v1/invoices")["data"]
            got = [(i["number"], i["status"], i["total"], i["amount_paid"], i["customer"]["name"]) for i in invoices]
            assert got == [(number, "partially_paid", "6600.00", "1000.00", "ACME Corporation")], got
            company = server.get("/v1/settings/company")
            assert company["name"] == "Field Services Co", company
            print(f"ok: the REST API shows the invoice made offline: {got[0]}, and the company profile")

            # The customer pays the rest by bank transfer, recorded at the office (REST API).
            server.post("/v1/payments", {"invoice_id": invoices[0]["id"], "amount": "5600.00", "currency": "USD",
                                         "method": "bank_transfer"})
            driver.click('[data-testid="sync-now"]')
            news = wait_for_text(driver, '[data-testid="activity"] li', lambda t: "Payment received" in t,
                                 "the payment received, as news")
            assert news == f"Payment received: $5,600.00 from ACME Corporation for {number}", news
            driver.click('[data-testid="nav-invoices"]')
            driver.click('[data-testid="invoice-list"] tbody tr button')
            paid = wait_for_text(driver, '[data-testid="paid-line"]', lambda t: "6,600 of" in t, "paid in full")
            assert paid == "Paid $6,600 of $6,600 (100%)", paid
            status = wait_for_text(driver, '[data-testid="detail-status"]', lambda t: t == "Paid", "the paid badge")
            print(f"ok: a payment recorded elsewhere arrives with the sync as news ({news!r}); the invoice is {status}")
            server_actions(driver, server, number)

    saved = open(os.path.join(data_dir, "credentials.json")).read()
    assert server.api_key not in saved, "the key is in the OS keyring, not in the file"
    print("ok: the API key went to the OS keyring; credentials.json holds only its name")


if __name__ == "__main__":
    main()
