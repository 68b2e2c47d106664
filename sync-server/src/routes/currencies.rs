//! `GET /v1/currencies`: the ISO 4217 currencies Remit accepts, with their minor units, so a
//! client can format and validate amounts exactly as the server will.

use axum::Json;
use remit_core::Currency;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CurrencyView {
    code: &'static str,
    numeric: u16,
    exponent: u32,
    name: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CurrencyList {
    data: Vec<CurrencyView>,
}

#[utoipa::path(get, path = "/v1/currencies", tag = "reference", responses((status = 200, body = CurrencyList)))]
pub async fn list() -> Json<CurrencyList> {
    let data = Currency::all()
        .map(|c| CurrencyView { code: c.code(), numeric: c.numeric(), exponent: c.exponent(), name: c.name() })
        .collect();
    Json(CurrencyList { data })
}
