//! The permission matrix of spec 6.2, copied cell by cell, held against the RBAC data.

use crate::fixtures::uuid;
use remit_core::UserId;
use remit_core::rbac::{Action, Role, Target};

/// Verbatim from `../shared/seed/000_0d5a6be5b8eb9d38.txt`, section 6.2.
const SPEC_MATRIX: &str = "
| Action | Owner | Admin | Accountant | Manager | Team Member | Viewer |
|--------|-------|-------|------------|---------|-------------|--------|
| Create invoice | ✓ | ✓ | ✗ | ✓ | ✓ (draft) | ✗ |
| Edit invoice | ✓ | ✓ | ✗ | ✓ (own) | ✓ (own draft) | ✗ |
| Delete invoice | ✓ | ✓ | ✗ | ✗ | ✗ | ✗ |
| Void invoice | ✓ | ✓ | ✓ | ✓ | ✗ | ✗ |
| Send invoice | ✓ | ✓ | ✗ | ✓ | ✗ | ✗ |
| Record payment | ✓ | ✓ | ✓ | ✓ | ✗ | ✗ |
| Refund payment | ✓ | ✓ | ✓ | ✗ | ✗ | ✗ |
| Manage users | ✓ | ✓ | ✗ | ✗ | ✗ | ✗ |
| Manage settings | ✓ | ✓ | ✗ | ✗ | ✗ | ✗ |
| View reports | ✓ | ✓ | ✓ | ✓ | ✗ | ✓ |
| Manage billing | ✓ | ✗ | ✗ | ✗ | ✗ | ✗ |
";

fn action(row: &str) -> Action {
    match row {
        "Create invoice" => Action::CreateInvoice,
        "Edit invoice" => Action::EditInvoice,
        "Delete invoice" => Action::DeleteInvoice,
        "Void invoice" => Action::VoidInvoice,
        "Send invoice" => Action::SendInvoice,
        "Record payment" => Action::RecordPayment,
        "Refund payment" => Action::RefundPayment,
        "Manage users" => Action::ManageUsers,
        "Manage settings" => Action::ManageSettings,
        "View reports" => Action::ViewReports,
        "Manage billing" => Action::ManageBilling,
        other => panic!("unknown matrix row {other:?}"),
    }
}

fn role(column: &str) -> Role {
    match column {
        "Owner" => Role::Owner,
        "Admin" => Role::Admin,
        "Accountant" => Role::Accountant,
        "Manager" => Role::Manager,
        "Team Member" => Role::TeamMember,
        "Viewer" => Role::Viewer,
        other => panic!("unknown matrix column {other:?}"),
    }
}

fn cells(line: &str) -> Vec<&str> {
    line.trim().trim_matches('|').split('|').map(str::trim).collect()
}

/// The four records a cell is probed on: (owned by the actor?, still a draft?).
const PROBES: [(bool, bool); 4] = [(true, true), (true, false), (false, true), (false, false)];

/// Which probes a cell allows.
fn expected(cell: &str) -> [bool; 4] {
    let allowed = |own: bool, draft: bool| match cell {
        "✓" => true,
        "✗" => false,
        "✓ (own)" => own,
        "✓ (draft)" => draft,
        "✓ (own draft)" => own && draft,
        other => panic!("unknown matrix cell {other:?}"),
    };
    PROBES.map(|(own, draft)| allowed(own, draft))
}

#[test]
fn every_cell_of_the_spec_matrix_holds() {
    let mut lines = SPEC_MATRIX.trim().lines();
    let header = cells(lines.next().unwrap());
    let roles: Vec<Role> = header[1..].iter().map(|c| role(c)).collect();
    assert_eq!(roles, Role::ALL, "the spec's six roles, in order");
    lines.next(); // the |---| rule
    let me = UserId::from_uuid(uuid(1));
    let someone_else = UserId::from_uuid(uuid(2));
    let mut checked = 0;
    for line in lines {
        let row = cells(line);
        let act = action(row[0]);
        for (r, cell) in roles.iter().zip(&row[1..]) {
            let policy = r.policy();
            let want = expected(cell);
            for ((own, draft), allowed) in PROBES.iter().zip(want) {
                // Creating makes a record of one's own; "draft" there means "not issued at once".
                let owner = if *own || act == Action::CreateInvoice { me } else { someone_else };
                let target = Target { draft: *draft, ..Target::record(owner) };
                let got = policy.allows(me, act, Some(&target));
                assert_eq!(got, allowed, "{} × {:?} on own={own} draft={draft}: spec says {cell}", row[0], r);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 11 * 6 * 4, "every row, column and probe");
}

#[test]
fn roles_do_only_what_the_descriptions_say() {
    let me = UserId::from_uuid(uuid(1));
    let others = Target::record(UserId::from_uuid(uuid(2)));
    let can = |r: Role, a: Action| r.policy().allows(me, a, Some(&others));
    // Viewer (auditor): reads everything, changes nothing, reads the audit log.
    for a in [Action::ReadInvoice, Action::ReadPayment, Action::ReadCustomer, Action::ViewReports, Action::ReadAuditLog]
    {
        assert!(can(Role::Viewer, a), "viewer {a:?}");
    }
    for a in [Action::CreateCustomer, Action::EditCustomer, Action::DeleteCustomer, Action::ApproveInvoice] {
        assert!(!can(Role::Viewer, a), "viewer {a:?}");
    }
    // Accountant: cannot create or edit customers.
    assert!(!can(Role::Accountant, Action::CreateCustomer) && !can(Role::Accountant, Action::EditCustomer));
    assert!(can(Role::Accountant, Action::ReadPayment));
    // Manager: creates customers; sees all invoices.
    assert!(can(Role::Manager, Action::CreateCustomer) && can(Role::Manager, Action::ReadInvoice));
    // Team member: own invoices only.
    assert!(!can(Role::TeamMember, Action::ReadInvoice));
    // Audit log: owner, admin and viewer only.
    let audit: Vec<Role> = Role::ALL.into_iter().filter(|r| can(*r, Action::ReadAuditLog)).collect();
    assert_eq!(audit, [Role::Owner, Role::Admin, Role::Viewer]);
}
