#!/usr/bin/env python3
"""The reconciliation workspace in the desktop app: invoices made on the replica (with the
`remit` CLI, which works on the same folder), a CSV statement imported from a file with its
progress and summary (a bad line named), the credits in their columns (matched automatically,
suggested, to review) with the evidence, a suggestion approved from the keyboard, an automatic
match undone (the invoice owes again and the credit never goes automatic again), a credit
ignored, a prepayment kept as the customer's credit from the review queue, and a file that is
not a statement refused with nothing changed.

Usage: reconcile_e2e.py PATH_TO_REMIT_DESKTOP   (run under xvfb-run; tauri-driver on PATH)
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

from webdriver import App, first_run, wait_for_text


def remit(data_dir, *args):
    binary = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "remit")
    out = subprocess.run([binary, "--data-dir", data_dir, *args], capture_output=True, text=True, check=True)
    return out.stdout


def seed(data_dir):
    """Two customers and three issued invoices; their numbers."""
    remit(data_dir, "init")
    acme = json.loads(remit(data_dir, "customer", "create", "--name", "ACME Corporation", "--json"))["id"]
    globex = json.loads(remit(data_dir, "customer", "create", "--name", "Globex Ltd", "--json"))["id"]
    numbers = []
    for customer, amount in [(acme, "1000.00"), (globex, "480.00"), (globex, "99.00")]:
        v = json.loads(remit(data_dir, "invoice", "create", "--customer", customer, "--currency", "USD",
                             "--line", f"Work|1|{amount}|0", "--json"))
        remit(data_dir, "invoice", "issue", v["id"])
        numbers.append(json.loads(remit(data_dir, "invoice", "show", v["id"], "--json"))["number"])
    return numbers


def column(driver, name):
    return driver.text(driver.find(f'[data-testid="column-{name}"]')[0])


def main():
    data_dir = tempfile.mkdtemp(prefix="remit-desktop-")
    n1, _, _ = seed(data_dir)
    work = tempfile.mkdtemp(prefix="remit-statement-")
    statement = os.path.join(work, "november.csv")
    # Booked today: the invoices were issued today (a credit before an invoice's issue is less
    # likely its payment).
    today = datetime.date.today().isoformat()
    with open(statement, "w") as f:
        f.write("Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n"
                f"T1,{today},1000.00,USD,Acme Corp,{n1},\n"
                f"T2,{today},480.00,USD,GLOBEX,,\n"
                f"T3,{today},12.34,USD,Interest,,\n"
                "T4,2026-11-3x,10.00,USD,Someone,,\n"
                f"T5,{today},500.00,USD,A. Customer,prepayment,\n")
    not_a_statement = os.path.join(work, "notes.csv")
    with open(not_a_statement, "w") as f:
        f.write("just,some,words\n1,2,3\n")

    with App(sys.argv[1], data_dir) as driver:
        first_run(driver)
        driver.click('[data-testid="nav-reconcile"]')
        driver.send_file('[data-testid="statement-file"]', not_a_statement)
        error = wait_for_text(driver, '[data-testid="reconcile-error"]', lambda t: "date column" in t, "refused")
        assert "None." in column(driver, "matched"), "nothing imported"
        print(f"ok: a file that is not a statement is refused: {error}")

        driver.send_file('[data-testid="statement-file"]', statement)
        summary = wait_for_text(driver, '[data-testid="import-summary"]', lambda t: "4 transactions read" in t, "summary")
        assert "1 matched automatically, 1 suggested, 2 to review" in summary, summary
        errors = driver.text(driver.find('[data-testid="import-errors"]')[0])
        assert "Line 5" in errors, errors
        matched = column(driver, "matched")
        assert "$1,000.00" in matched and n1 in matched and "equals what" in matched, matched
        print(f"ok: a statement is imported, the bad line named, the credits in their columns: {summary!r}")

        suggested = column(driver, "suggested")
        assert "$480.00" in suggested and "is the customer" in suggested, suggested
        # From the keyboard: the first card, then down to the suggestion, and approve it.
        driver.focus('[data-testid="column-matched"] [data-testid="credit"]')
        driver.press("\ue015")  # ArrowDown
        driver.press("a")
        wait_for_text(driver, '[data-testid="column-matched"] h2', lambda t: t.endswith("2"), "approved")
        print("ok: the suggestion is approved with the a key")

        driver.click('[data-testid="column-matched"] [data-testid="undo"]')
        wait_for_text(driver, '[data-testid="column-matched"] h2', lambda t: t.endswith("1"), "undone")
        suggested = column(driver, "suggested")
        assert "undone" in suggested and "$1,000.00" in suggested, suggested
        shown = json.loads(remit(data_dir, "invoice", "list", "--json"))
        owing = [v for v in shown["data"] if v["number"] == n1][0]
        assert owing["amount_due"] == "1000.00", owing
        print("ok: the automatic match is undone: the invoice owes again, the credit waits for a person")

        driver.click('[data-testid="column-review"] [data-testid="ignore"]')
        report = wait_for_text(driver, '[data-testid="reconcile-report"]', lambda t: "1 ignored" in t, "ignored")
        assert "undone 1" in report, report
        print(f"ok: a credit that pays no invoice is ignored; the report: {report!r}")

        # The prepayment left to review: kept as ACME's credit (the first customer listed).
        card = '[data-testid="column-review"] [data-testid="credit"]'
        driver.click(f'{card} [data-testid="resolve"] summary')
        driver.click(f'{card} [data-testid="resolve-customer"] option:nth-child(2)')
        driver.click(f'{card} [data-testid="resolve-credit"]')
        kept = wait_for_text(driver, '[data-testid="column-matched"]', lambda t: "credit" in t and "$500.00" in t, "kept")
        assert "Kept as ACME Corporation's credit $500.00" in kept, kept
        listed = json.loads(remit(data_dir, "reconcile", "list", "--json"))["data"]
        t5 = [c for c in listed if c["id"] == "T5"][0]
        assert t5["state"] == "matched" and t5["credited"]["amount"] == "500.00", t5
        print("ok: a prepayment under review is kept as the customer's credit")


if __name__ == "__main__":
    main()
