//! Role-based access control (spec 6.2): the six roles, the permission strings, the role
//! matrix as data, own/all scopes, and per-user restrictions.
//!
//! A `Policy` is what one member of a tenant may do: grants (from a role, or custom) plus
//! restrictions. Every check goes through `Policy::authorize`, on the device and the server.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Accountant,
    Manager,
    TeamMember,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Owner, Role::Admin, Role::Accountant, Role::Manager, Role::TeamMember, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Accountant => "accountant",
            Role::Manager => "manager",
            Role::TeamMember => "team_member",
            Role::Viewer => "viewer",
        }
    }

    /// The role's grants: the permission matrix of spec 6.2, row by row in `ROLE_GRANTS`.
    pub fn grants(self) -> Vec<Grant> {
        ROLE_GRANTS.iter().filter(|(r, _)| *r == self).map(|(_, g)| *g).collect()
    }

    pub fn policy(self) -> Policy {
        Policy { grants: self.grants(), restrictions: Restrictions::default() }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| Error::UnknownRole(s.to_owned()))
    }
}

/// The granular permissions of spec 6.2, plus three the spec implies but does not list:
/// `invoice.approve` (approval workflows), `customer.read` and `audit.read` (audit logs are
/// readable by owner, admin and auditor only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    InvoiceCreate,
    InvoiceRead,
    InvoiceUpdate,
    InvoiceDelete,
    InvoiceSend,
    InvoiceVoid,
    InvoiceApprove,
    PaymentCreate,
    PaymentRead,
    PaymentRefund,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
    CustomerDelete,
    ReportView,
    SettingsManage,
    UserManage,
    BillingManage,
    AuditRead,
}

impl Permission {
    pub const ALL: [Permission; 19] = [
        Permission::InvoiceCreate,
        Permission::InvoiceRead,
        Permission::InvoiceUpdate,
        Permission::InvoiceDelete,
        Permission::InvoiceSend,
        Permission::InvoiceVoid,
        Permission::InvoiceApprove,
        Permission::PaymentCreate,
        Permission::PaymentRead,
        Permission::PaymentRefund,
        Permission::CustomerCreate,
        Permission::CustomerRead,
        Permission::CustomerUpdate,
        Permission::CustomerDelete,
        Permission::ReportView,
        Permission::SettingsManage,
        Permission::UserManage,
        Permission::BillingManage,
        Permission::AuditRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::InvoiceCreate => "invoice.create",
            Permission::InvoiceRead => "invoice.read",
            Permission::InvoiceUpdate => "invoice.update",
            Permission::InvoiceDelete => "invoice.delete",
            Permission::InvoiceSend => "invoice.send",
            Permission::InvoiceVoid => "invoice.void",
            Permission::InvoiceApprove => "invoice.approve",
            Permission::PaymentCreate => "payment.create",
            Permission::PaymentRead => "payment.read",
            Permission::PaymentRefund => "payment.refund",
            Permission::CustomerCreate => "customer.create",
            Permission::CustomerRead => "customer.read",
            Permission::CustomerUpdate => "customer.update",
            Permission::CustomerDelete => "customer.delete",
            Permission::ReportView => "report.view",
            Permission::SettingsManage => "settings.manage",
            Permission::UserManage => "user.manage",
            Permission::BillingManage => "billing.manage",
            Permission::AuditRead => "audit.read",
        }
    }

    /// The spec writes these two with their scope always (`invoice.read.all`).
    fn scope_always_written(self) -> bool {
        matches!(self, Permission::InvoiceRead | Permission::InvoiceUpdate)
    }
}

/// Whether a grant covers every record or only those the user created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    All,
    Own,
}

/// One permission with its scope, optionally limited to drafts (a team member creates and
/// edits drafts only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub permission: Permission,
    pub scope: Scope,
    pub drafts_only: bool,
}

impl Grant {
    pub const fn all(permission: Permission) -> Self {
        Self { permission, scope: Scope::All, drafts_only: false }
    }

    pub const fn own(permission: Permission) -> Self {
        Self { permission, scope: Scope::Own, drafts_only: false }
    }

    pub const fn drafts(self) -> Self {
        Self { drafts_only: true, ..self }
    }

    /// The spec's permission string: `invoice.read.all`, `invoice.update.own`, `payment.refund`;
    /// a grant limited to drafts ends in `.draft` (`invoice.update.own.draft`), so cloning a
    /// role through its strings never widens it.
    pub fn permission_string(&self) -> String {
        let base = match (self.scope, self.permission.scope_always_written()) {
            (Scope::Own, _) => format!("{}.own", self.permission.as_str()),
            (Scope::All, true) => format!("{}.all", self.permission.as_str()),
            (Scope::All, false) => self.permission.as_str().to_owned(),
        };
        if self.drafts_only { format!("{base}.draft") } else { base }
    }

    /// Whether holding `self` includes everything `narrower` allows: the same permission, a
    /// scope at least as wide, and no drafts-only limit that `narrower` lacks.
    pub fn covers(&self, narrower: &Grant) -> bool {
        self.permission == narrower.permission
            && (self.scope == Scope::All || narrower.scope == Scope::Own)
            && (!self.drafts_only || narrower.drafts_only)
    }

    /// Every permission string there is, each scope and draft limit spelled out.
    pub fn all_strings() -> Vec<String> {
        let mut out = Vec::new();
        for permission in Permission::ALL {
            for scope in [Scope::All, Scope::Own] {
                for drafts_only in [false, true] {
                    out.push(Grant { permission, scope, drafts_only }.permission_string());
                }
            }
        }
        out
    }

    /// Parses a permission string, as written in custom roles and OAuth scopes.
    pub fn parse(input: &str) -> Result<Self> {
        let (s, drafts_only) = match input.strip_suffix(".draft") {
            Some(rest) => (rest, true),
            None => (input, false),
        };
        let (base, scope) = match (s.strip_suffix(".own"), s.strip_suffix(".all")) {
            (Some(b), _) => (b, Scope::Own),
            (_, Some(b)) => (b, Scope::All),
            _ => (s, Scope::All),
        };
        let permission = Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == base)
            .ok_or_else(|| Error::UnknownPermission(input.to_owned()))?;
        if permission.scope_always_written() && base == s {
            return Err(Error::UnknownPermission(format!("{s} (write {s}.all or {s}.own)")));
        }
        Ok(Self { permission, scope, drafts_only })
    }
}

use Permission as P;

/// The permission matrix of spec 6.2 as data. Rows the spec's table does not show (reading,
/// approving, customers, audit) follow the role descriptions above the table.
pub const ROLE_GRANTS: &[(Role, Grant)] = &[
    // Owner: everything.
    (Role::Owner, Grant::all(P::InvoiceCreate)),
    (Role::Owner, Grant::all(P::InvoiceRead)),
    (Role::Owner, Grant::all(P::InvoiceUpdate)),
    (Role::Owner, Grant::all(P::InvoiceDelete)),
    (Role::Owner, Grant::all(P::InvoiceSend)),
    (Role::Owner, Grant::all(P::InvoiceVoid)),
    (Role::Owner, Grant::all(P::InvoiceApprove)),
    (Role::Owner, Grant::all(P::PaymentCreate)),
    (Role::Owner, Grant::all(P::PaymentRead)),
    (Role::Owner, Grant::all(P::PaymentRefund)),
    (Role::Owner, Grant::all(P::CustomerCreate)),
    (Role::Owner, Grant::all(P::CustomerRead)),
    (Role::Owner, Grant::all(P::CustomerUpdate)),
    (Role::Owner, Grant::all(P::CustomerDelete)),
    (Role::Owner, Grant::all(P::ReportView)),
    (Role::Owner, Grant::all(P::SettingsManage)),
    (Role::Owner, Grant::all(P::UserManage)),
    (Role::Owner, Grant::all(P::BillingManage)),
    (Role::Owner, Grant::all(P::AuditRead)),
    // Administrator: everything but billing.
    (Role::Admin, Grant::all(P::InvoiceCreate)),
    (Role::Admin, Grant::all(P::InvoiceRead)),
    (Role::Admin, Grant::all(P::InvoiceUpdate)),
    (Role::Admin, Grant::all(P::InvoiceDelete)),
    (Role::Admin, Grant::all(P::InvoiceSend)),
    (Role::Admin, Grant::all(P::InvoiceVoid)),
    (Role::Admin, Grant::all(P::InvoiceApprove)),
    (Role::Admin, Grant::all(P::PaymentCreate)),
    (Role::Admin, Grant::all(P::PaymentRead)),
    (Role::Admin, Grant::all(P::PaymentRefund)),
    (Role::Admin, Grant::all(P::CustomerCreate)),
    (Role::Admin, Grant::all(P::CustomerRead)),
    (Role::Admin, Grant::all(P::CustomerUpdate)),
    (Role::Admin, Grant::all(P::CustomerDelete)),
    (Role::Admin, Grant::all(P::ReportView)),
    (Role::Admin, Grant::all(P::SettingsManage)),
    (Role::Admin, Grant::all(P::UserManage)),
    (Role::Admin, Grant::all(P::AuditRead)),
    // Accountant: sees everything, handles money, never edits invoices or customers.
    (Role::Accountant, Grant::all(P::InvoiceRead)),
    (Role::Accountant, Grant::all(P::InvoiceVoid)),
    (Role::Accountant, Grant::all(P::PaymentCreate)),
    (Role::Accountant, Grant::all(P::PaymentRead)),
    (Role::Accountant, Grant::all(P::PaymentRefund)),
    (Role::Accountant, Grant::all(P::CustomerRead)),
    (Role::Accountant, Grant::all(P::ReportView)),
    // Sales/finance manager: creates and sends, edits their own, voids but never deletes.
    (Role::Manager, Grant::all(P::InvoiceCreate)),
    (Role::Manager, Grant::all(P::InvoiceRead)),
    (Role::Manager, Grant::own(P::InvoiceUpdate)),
    (Role::Manager, Grant::all(P::InvoiceSend)),
    (Role::Manager, Grant::all(P::InvoiceVoid)),
    (Role::Manager, Grant::all(P::InvoiceApprove)),
    (Role::Manager, Grant::all(P::PaymentCreate)),
    (Role::Manager, Grant::all(P::PaymentRead)),
    (Role::Manager, Grant::all(P::CustomerCreate)),
    (Role::Manager, Grant::all(P::CustomerRead)),
    (Role::Manager, Grant::own(P::CustomerUpdate)),
    (Role::Manager, Grant::all(P::ReportView)),
    // Team member: drafts of their own; sending needs someone who may send.
    (Role::TeamMember, Grant::all(P::InvoiceCreate).drafts()),
    (Role::TeamMember, Grant::own(P::InvoiceRead)),
    (Role::TeamMember, Grant::own(P::InvoiceUpdate).drafts()),
    (Role::TeamMember, Grant::all(P::CustomerRead)),
    // Viewer (auditor): reads everything, changes nothing.
    (Role::Viewer, Grant::all(P::InvoiceRead)),
    (Role::Viewer, Grant::all(P::PaymentRead)),
    (Role::Viewer, Grant::all(P::CustomerRead)),
    (Role::Viewer, Grant::all(P::ReportView)),
    (Role::Viewer, Grant::all(P::AuditRead)),
];

/// Per-user limits (spec 6.2 "restrictions"). Amounts are in one currency; an invoice in
/// another currency cannot be compared without an exchange rate, so the checks fail safe:
/// over the maximum is refused, approval is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restrictions {
    #[serde(default)]
    pub max_invoice_amount: Option<Money>,
    #[serde(default)]
    pub requires_approval_above: Option<Money>,
    /// Segregation of duties: off unless a tenant turns it on for someone.
    #[serde(default)]
    pub can_approve_own: bool,
}

impl Restrictions {
    fn exceeds(limit: Option<Money>, total: Money) -> bool {
        limit.is_some_and(|l| l.checked_cmp(total).map_or(true, |o| o == std::cmp::Ordering::Less))
    }

    /// Whether an invoice with this total must be approved before it is sent.
    pub fn needs_approval(&self, total: Money) -> bool {
        Self::exceeds(self.requires_approval_above, total)
    }
}

/// What a user is acting on: who created it and whether it is still a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub owner: UserId,
    pub draft: bool,
    /// The invoice total, for amount restrictions; `None` for non-invoice records.
    pub total: Option<Money>,
    /// Whether the invoice's latest approval decision approved it.
    pub approved: bool,
}

impl Target {
    /// A record that is not an invoice (a customer, a payment): only ownership matters.
    pub fn record(owner: UserId) -> Self {
        Self { owner, draft: false, total: None, approved: false }
    }
}

/// What a user wants to do. Each maps to one permission; the target decides scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    CreateInvoice,
    ReadInvoice,
    EditInvoice,
    DeleteInvoice,
    VoidInvoice,
    SendInvoice,
    ApproveInvoice,
    RecordPayment,
    ReadPayment,
    RefundPayment,
    CreateCustomer,
    ReadCustomer,
    EditCustomer,
    DeleteCustomer,
    ViewReports,
    ManageSettings,
    ManageUsers,
    ManageBilling,
    ReadAuditLog,
}

impl Action {
    /// Actions that change one record: their scope, draft and amount rules need that record,
    /// so checking them without it is refused rather than waved through.
    pub fn needs_target(self) -> bool {
        matches!(
            self,
            Action::CreateInvoice
                | Action::EditInvoice
                | Action::DeleteInvoice
                | Action::VoidInvoice
                | Action::SendInvoice
                | Action::ApproveInvoice
                | Action::EditCustomer
                | Action::DeleteCustomer
        )
    }

    pub fn permission(self) -> Permission {
        match self {
            Action::CreateInvoice => P::InvoiceCreate,
            Action::ReadInvoice => P::InvoiceRead,
            Action::EditInvoice => P::InvoiceUpdate,
            Action::DeleteInvoice => P::InvoiceDelete,
            Action::VoidInvoice => P::InvoiceVoid,
            Action::SendInvoice => P::InvoiceSend,
            Action::ApproveInvoice => P::InvoiceApprove,
            Action::RecordPayment => P::PaymentCreate,
            Action::ReadPayment => P::PaymentRead,
            Action::RefundPayment => P::PaymentRefund,
            Action::CreateCustomer => P::CustomerCreate,
            Action::ReadCustomer => P::CustomerRead,
            Action::EditCustomer => P::CustomerUpdate,
            Action::DeleteCustomer => P::CustomerDelete,
            Action::ViewReports => P::ReportView,
            Action::ManageSettings => P::SettingsManage,
            Action::ManageUsers => P::UserManage,
            Action::ManageBilling => P::BillingManage,
            Action::ReadAuditLog => P::AuditRead,
        }
    }
}

/// Why an action was refused; shown to the user as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("your role does not include {0:?}")]
    MissingPermission(Permission),
    #[error("you may do this only on records you created")]
    NotOwner,
    #[error("you may do this only on drafts")]
    NotDraft,
    #[error("the invoice total is above your limit")]
    OverLimit,
    #[error("you may not approve your own invoice")]
    OwnApproval,
    #[error("the invoice total is above your approval limit: it must be approved before it is sent")]
    NeedsApproval,
    #[error("this action must be checked against the record it changes")]
    NeedsTarget,
}

/// What one member of a tenant may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub grants: Vec<Grant>,
    #[serde(default)]
    pub restrictions: Restrictions,
}

impl Policy {
    /// May `actor` do `action` on `target` (`None` for actions on no particular record)?
    pub fn authorize(&self, actor: UserId, action: Action, target: Option<&Target>) -> std::result::Result<(), Denied> {
        let permission = action.permission();
        let candidates: Vec<&Grant> = self.grants.iter().filter(|g| g.permission == permission).collect();
        if candidates.is_empty() {
            return Err(Denied::MissingPermission(permission));
        }
        if target.is_none() && action.needs_target() {
            return Err(Denied::NeedsTarget);
        }
        let mut refusal = Denied::MissingPermission(permission);
        let granted = candidates.iter().any(|g| match grant_covers(g, actor, target) {
            Ok(()) => true,
            Err(why) => {
                refusal = why;
                false
            }
        });
        if !granted {
            return Err(refusal);
        }
        if let Some(t) = target {
            if action == Action::ApproveInvoice && t.owner == actor && !self.restrictions.can_approve_own {
                return Err(Denied::OwnApproval);
            }
            let amount_bound = matches!(action, Action::CreateInvoice | Action::EditInvoice | Action::SendInvoice);
            if amount_bound
                && t.total.is_some_and(|total| Restrictions::exceeds(self.restrictions.max_invoice_amount, total))
            {
                return Err(Denied::OverLimit);
            }
            let over_approval_limit = t.total.is_some_and(|total| self.restrictions.needs_approval(total));
            if action == Action::SendInvoice && over_approval_limit && !t.approved {
                return Err(Denied::NeedsApproval);
            }
        }
        Ok(())
    }

    pub fn allows(&self, actor: UserId, action: Action, target: Option<&Target>) -> bool {
        self.authorize(actor, action, target).is_ok()
    }
}

fn grant_covers(grant: &Grant, actor: UserId, target: Option<&Target>) -> std::result::Result<(), Denied> {
    match target {
        // Without a record (list endpoints, settings), an own-scope grant still lets the user
        // in; the list is then filtered to their records.
        None => Ok(()),
        Some(t) => {
            if grant.scope == Scope::Own && t.owner != actor {
                Err(Denied::NotOwner)
            } else if grant.drafts_only && !t.draft {
                Err(Denied::NotDraft)
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_strings_round_trip() {
        for role in Role::ALL {
            for grant in role.grants() {
                let s = grant.permission_string();
                assert_eq!(Grant::parse(&s).unwrap(), grant, "{s}");
            }
        }
        assert!(Grant::parse("invoice.read").is_err(), "scope must be written for invoice.read");
        assert!(Grant::parse("invoice.fly").is_err());
        assert_eq!("team_member".parse::<Role>().unwrap(), Role::TeamMember);
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn wider_grants_cover_narrower_ones() {
        let all = Grant::all(P::InvoiceUpdate);
        let own = Grant::own(P::InvoiceUpdate);
        let own_drafts = own.drafts();
        assert!(all.covers(&own) && all.covers(&own_drafts) && own.covers(&own_drafts));
        assert!(!own.covers(&all) && !own_drafts.covers(&own));
        assert!(!all.covers(&Grant::all(P::InvoiceDelete)));
        let strings = Grant::all_strings();
        assert_eq!(strings.len(), Permission::ALL.len() * 4);
        assert!(strings.iter().all(|s| Grant::parse(s).is_ok()), "every string parses back");
    }

    #[test]
    fn the_spec_permission_list_is_all_there() {
        let spec = [
            "invoice.create",
            "invoice.read.all",
            "invoice.read.own",
            "invoice.update.all",
            "invoice.update.own",
            "invoice.delete",
            "invoice.send",
            "invoice.void",
            "payment.create",
            "payment.read",
            "payment.refund",
            "customer.create",
            "customer.update",
            "customer.delete",
            "report.view",
            "settings.manage",
            "user.manage",
            "billing.manage",
        ];
        for s in spec {
            assert_eq!(Grant::parse(s).unwrap().permission_string(), s);
        }
    }

    fn user(n: u128) -> UserId {
        UserId::from_uuid(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn restrictions_limit_amounts_and_own_approval() {
        let usd = crate::Currency::parse("USD").unwrap();
        let mut policy = Role::Manager.policy();
        policy.restrictions = Restrictions {
            max_invoice_amount: Some(Money::parse("10000.00", usd).unwrap()),
            requires_approval_above: Some(Money::parse("5000.00", usd).unwrap()),
            can_approve_own: false,
        };
        let me = user(1);
        let inv = |amount: &str, owner| Target {
            owner,
            draft: true,
            total: Some(Money::parse(amount, usd).unwrap()),
            approved: false,
        };
        assert!(policy.allows(me, Action::CreateInvoice, Some(&inv("10000.00", me))));
        assert_eq!(policy.authorize(me, Action::CreateInvoice, Some(&inv("10000.01", me))), Err(Denied::OverLimit));
        assert!(!policy.restrictions.needs_approval(Money::parse("5000.00", usd).unwrap()));
        assert!(policy.restrictions.needs_approval(Money::parse("8000.00", usd).unwrap()));
        assert_eq!(policy.authorize(me, Action::SendInvoice, Some(&inv("8000.00", me))), Err(Denied::NeedsApproval));
        assert!(policy.allows(me, Action::SendInvoice, Some(&Target { approved: true, ..inv("8000.00", me) })));
        assert!(policy.allows(me, Action::SendInvoice, Some(&inv("5000.00", me))));
        assert_eq!(policy.authorize(me, Action::ApproveInvoice, Some(&inv("8000.00", me))), Err(Denied::OwnApproval));
        assert!(policy.allows(me, Action::ApproveInvoice, Some(&inv("8000.00", user(2)))));
        policy.restrictions.can_approve_own = true;
        assert!(policy.allows(me, Action::ApproveInvoice, Some(&inv("8000.00", me))));
        // Another currency cannot be compared: fail safe.
        let eur = crate::Currency::parse("EUR").unwrap();
        assert!(policy.restrictions.needs_approval(Money::parse("1.00", eur).unwrap()));
        let eur_target = Target { total: Some(Money::parse("1.00", eur).unwrap()), ..inv("1.00", me) };
        assert_eq!(policy.authorize(me, Action::CreateInvoice, Some(&eur_target)), Err(Denied::OverLimit));
        // No restriction set: nothing is limited.
        assert!(!Restrictions::default().needs_approval(Money::parse("1000000.00", usd).unwrap()));
    }

    #[test]
    fn denials_say_why() {
        let tm = Role::TeamMember.policy();
        let me = user(1);
        let other = Target { draft: true, ..Target::record(user(2)) };
        let mine_issued = Target::record(me);
        assert_eq!(tm.authorize(me, Action::SendInvoice, None), Err(Denied::MissingPermission(P::InvoiceSend)));
        assert_eq!(tm.authorize(me, Action::EditInvoice, Some(&other)), Err(Denied::NotOwner));
        assert_eq!(tm.authorize(me, Action::EditInvoice, Some(&mine_issued)), Err(Denied::NotDraft));
        assert!(tm.allows(me, Action::ReadInvoice, None), "list endpoint: filtered to own");
        assert_eq!(tm.authorize(me, Action::EditInvoice, None), Err(Denied::NeedsTarget), "never fail open");
        assert_eq!(Role::Owner.policy().authorize(me, Action::ApproveInvoice, None), Err(Denied::NeedsTarget));
        let cloned: Vec<Grant> = tm.grants.iter().map(|g| Grant::parse(&g.permission_string()).unwrap()).collect();
        assert_eq!(cloned, tm.grants, "a team member cloned through strings stays drafts-only");
        assert!(Role::TeamMember.grants().iter().any(|g| g.permission_string() == "invoice.update.own.draft"));
        assert!(!tm.allows(me, Action::ReadInvoice, Some(&other)));
    }
}
