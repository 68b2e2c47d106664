//! Keyset cursors for lists over projection tables: the last row's sort value and id, so the
//! next page starts right after it however many rows were added or removed meanwhile.
//! Opaque to clients (base64url JSON); one made for another sort is refused.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::problem::Problem;
use crate::store::records::{Kind, Sql};

#[derive(Serialize, Deserialize)]
struct Token {
    /// The sort it was made for, with its direction (`-created_at`).
    s: String,
    /// The sort value, as text.
    v: String,
    id: Uuid,
}

fn invalid() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_cursor",
        "cursor is not one this list gave for this sort".to_owned(),
    )
}

pub fn encode(sort: &str, key: &Sql, id: Uuid) -> String {
    let v = match key {
        Sql::Text(s) => s.clone(),
        Sql::Int(i) => i.to_string(),
        Sql::Date(d) => d.to_string(),
        Sql::Time(t) => t.to_rfc3339(),
        Sql::Uuid(u) => u.to_string(),
        Sql::OptText(s) => s.clone().unwrap_or_default(),
        Sql::OptTime(t) => t.map(|t| t.to_rfc3339()).unwrap_or_default(),
    };
    let token = Token { s: sort.to_owned(), v, id };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

pub fn decode(cursor: &str, sort: &str, kind: Kind) -> Result<(Sql, Uuid), Problem> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let token: Token = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if token.s != sort {
        return Err(invalid());
    }
    let key = match kind {
        Kind::Text => Sql::Text(token.v),
        Kind::Int => Sql::Int(token.v.parse().map_err(|_| invalid())?),
        Kind::Date => Sql::Date(NaiveDate::parse_from_str(&token.v, "%Y-%m-%d").map_err(|_| invalid())?),
        Kind::Time => Sql::Time(DateTime::parse_from_rfc3339(&token.v).map_err(|_| invalid())?.with_timezone(&Utc)),
    };
    Ok((key, token.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_another_sort_or_garbage() {
        let id = Uuid::now_v7();
        let key = Sql::Date(NaiveDate::from_ymd_opt(2025, 1, 15).unwrap_or_default());
        let c = encode("-issue_date", &key, id);
        assert_eq!(decode(&c, "-issue_date", Kind::Date).unwrap(), (key, id));
        assert_eq!(decode(&c, "issue_date", Kind::Date).unwrap_err().code, "invalid_cursor");
        assert_eq!(decode("abc", "issue_date", Kind::Date).unwrap_err().code, "invalid_cursor");
        let t = encode("total", &Sql::Text("x".into()), id);
        assert_eq!(decode(&t, "total", Kind::Int).unwrap_err().code, "invalid_cursor");
    }
}
