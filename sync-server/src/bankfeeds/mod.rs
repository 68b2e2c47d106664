//! Bank feeds: transactions pulled from a bank-data provider instead of a statement file.
//! Plaid is the one built (`plaid`); its transactions go through the same import as a
//! statement (`invoicing::reconciliation`).

pub mod plaid;
mod plaid_wire;
