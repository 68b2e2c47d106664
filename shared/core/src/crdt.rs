//! Documents as Automerge. A document type (`Invoice`, `Customer`, `Product`) is written into an
//! Automerge document as the smallest change from what is already there, and read back through
//! serde. The same code runs on a device and on the server, so both store identical documents.
//!
//! - Each field is a scalar: concurrent edits of one field resolve to one of them (Automerge's
//!   last-writer rule), edits of different fields both survive.
//! - A list whose items are objects with an `"id"` (invoice lines) is matched item by item by
//!   id, so lines added on two devices are both kept and an edit to one line touches only it.
//! - Numbers must be integers: decimals travel as strings (`"150.00"`), and a float or an
//!   Automerge counter in a document is refused when read. Money is never a mergeable field.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, ScalarValueRef, Value as AmValue, ValueRef};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

fn doc_error(e: impl std::fmt::Display) -> Error {
    Error::invalid("document", e.to_string())
}

/// A new document holding `value`.
pub fn create<T: Serialize>(value: &T) -> Result<AutoCommit> {
    let mut doc = AutoCommit::new();
    update(&mut doc, value)?;
    Ok(doc)
}

/// Writes `value` into `doc` as the smallest change: unchanged fields are not touched.
pub fn update<T: Serialize>(doc: &mut AutoCommit, value: &T) -> Result<()> {
    match serde_json::to_value(value).map_err(doc_error)? {
        Value::Object(map) => write_map(doc, &ROOT, &map),
        _ => Err(doc_error("a document is an object")),
    }
}

/// Reads a document back into its type.
pub fn read<T: DeserializeOwned>(doc: &AutoCommit) -> Result<T> {
    serde_json::from_value(Value::Object(read_map(doc, &ROOT, 1)?)).map_err(doc_error)
}

/// Loads saved bytes, refusing anything that is not an Automerge document.
pub fn load(bytes: &[u8]) -> Result<AutoCommit> {
    AutoCommit::load(bytes).map_err(doc_error)
}

/// The document's heads as hex hashes, sorted: what a client quotes to say which version it saw.
pub fn heads(doc: &mut AutoCommit) -> Vec<String> {
    let mut heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
    heads.sort();
    heads
}

fn scalar(value: &Value) -> Result<ScalarValue> {
    Ok(match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(u)) => ScalarValue::Uint(u),
            _ => return Err(doc_error("numbers in documents are integers; decimals are strings")),
        },
        Value::Array(_) | Value::Object(_) => return Err(doc_error("not a scalar")),
    })
}

/// What a map holds now, read in one pass: each key's value and, for an object, its id; in
/// key order, so the ops of an update come in the same order every time.
/// (`get` per key seeks the whole op set each time: a few times slower for an invoice.)
fn entries(doc: &AutoCommit, obj: &ObjId) -> BTreeMap<String, (AmValue<'static>, Option<ObjId>)> {
    doc.map_range(obj, ..)
        .map(|item| {
            let id = matches!(item.value, ValueRef::Object(_)).then(|| item.id());
            (item.key.into_owned(), (item.value.into_value(), id))
        })
        .collect()
}

fn write_map(doc: &mut AutoCommit, obj: &ObjId, map: &Map<String, Value>) -> Result<()> {
    let existing = entries(doc, obj);
    for key in existing.keys().filter(|k| !map.contains_key(*k)) {
        doc.delete(obj, key.as_str()).map_err(doc_error)?;
    }
    for (key, value) in map {
        let existing = existing.get(key);
        match value {
            Value::Object(inner) => {
                let child = match existing {
                    Some((AmValue::Object(ObjType::Map), Some(id))) => id.clone(),
                    _ => doc.put_object(obj, key.as_str(), ObjType::Map).map_err(doc_error)?,
                };
                write_map(doc, &child, inner)?;
            }
            Value::Array(items) => {
                let child = match existing {
                    Some((AmValue::Object(ObjType::List), Some(id))) => id.clone(),
                    _ => doc.put_object(obj, key.as_str(), ObjType::List).map_err(doc_error)?,
                };
                write_list(doc, &child, items)?;
            }
            _ => {
                let new = scalar(value)?;
                let same = matches!(existing, Some((AmValue::Scalar(old), _)) if old.as_ref() == &new);
                if !same {
                    doc.put(obj, key.as_str(), new).map_err(doc_error)?;
                }
            }
        }
    }
    Ok(())
}

fn item_id(value: &Value) -> Option<&str> {
    value.get("id").and_then(Value::as_str)
}

/// A list's items as their `"id"` and, for a map, the object: read once, then kept in step
/// with the deletes and inserts of `write_list`.
fn list_items(doc: &AutoCommit, list: &ObjId) -> Vec<(Option<String>, Option<ObjId>)> {
    doc.list_range(list, ..)
        .map(|item| {
            if item.value != ValueRef::Object(ObjType::Map) {
                return (None, None);
            }
            let obj = item.id();
            let id = match doc.get(&obj, "id") {
                Ok(Some((AmValue::Scalar(s), _))) => s.as_str().map(str::to_owned),
                _ => None,
            };
            (id, Some(obj))
        })
        .collect()
}

fn write_list(doc: &mut AutoCommit, list: &ObjId, items: &[Value]) -> Result<()> {
    let keyed = items.iter().all(|v| v.is_object() && item_id(v).is_some());
    if !keyed {
        // Lists of plain values are replaced whole when they differ.
        if read_list(doc, list, 1)? != items {
            for i in (0..doc.length(list)).rev() {
                doc.delete(list, i).map_err(doc_error)?;
            }
            for (i, item) in items.iter().enumerate() {
                insert(doc, list, i, item)?;
            }
        }
        return Ok(());
    }
    let mut current = list_items(doc, list);
    // Remove the items that are gone, from the end so indexes stay valid.
    for i in (0..current.len()).rev() {
        if !items.iter().any(|v| item_id(v) == current[i].0.as_deref()) {
            doc.delete(list, i).map_err(doc_error)?;
            current.remove(i);
        }
    }
    for (i, item) in items.iter().enumerate() {
        let id = item_id(item);
        if let Some((held, obj)) = current.get(i)
            && held.as_deref() == id
        {
            if let (Some(obj), Value::Object(map)) = (obj, item) {
                write_map(doc, obj, map)?;
            }
            continue;
        }
        // Moved: take it out where it was and put it here.
        for j in (i + 1..current.len()).rev() {
            if current[j].0.as_deref() == id {
                doc.delete(list, j).map_err(doc_error)?;
                current.remove(j);
            }
        }
        insert(doc, list, i, item)?;
        // Never visited again: later items are at later positions.
        current.insert(i, (id.map(str::to_owned), None));
    }
    Ok(())
}

fn insert(doc: &mut AutoCommit, list: &ObjId, index: usize, item: &Value) -> Result<()> {
    match item {
        Value::Object(map) => {
            let obj = doc.insert_object(list, index, ObjType::Map).map_err(doc_error)?;
            write_map(doc, &obj, map)
        }
        Value::Array(items) => {
            let obj = doc.insert_object(list, index, ObjType::List).map_err(doc_error)?;
            write_list(doc, &obj, items)
        }
        _ => doc.insert(list, index, scalar(item)?).map_err(doc_error),
    }
}

/// Deeper than any Remit document (an invoice is 4 levels): a document nested beyond it is
/// refused rather than read, so a hostile document cannot exhaust the stack.
pub const MAX_DEPTH: usize = 16;

/// One value; `id` names it when it is an object (asked for only then: making it costs).
fn read_value(doc: &AutoCommit, value: ValueRef<'_>, id: impl FnOnce() -> ObjId, depth: usize) -> Result<Value> {
    if depth > MAX_DEPTH {
        return Err(doc_error(format!("nested deeper than {MAX_DEPTH} levels")));
    }
    Ok(match value {
        ValueRef::Object(ObjType::Map | ObjType::Table) => Value::Object(read_map(doc, &id(), depth + 1)?),
        ValueRef::Object(ObjType::List) => Value::Array(read_list(doc, &id(), depth + 1)?),
        ValueRef::Object(ObjType::Text) => Value::String(doc.text(id()).map_err(doc_error)?),
        ValueRef::Scalar(s) => match s {
            ScalarValueRef::Null => Value::Null,
            ScalarValueRef::Boolean(b) => Value::Bool(b),
            ScalarValueRef::Str(s) => Value::String(s.into_owned()),
            ScalarValueRef::Int(i) => Value::from(i),
            ScalarValueRef::Uint(u) => Value::from(u),
            other => return Err(doc_error(format!("unsupported value in a document: {other}"))),
        },
    })
}

/// A map in one pass over its keys (see `entries`).
fn read_map(doc: &AutoCommit, obj: &ObjId, depth: usize) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for item in doc.map_range(obj, ..) {
        let value = read_value(doc, item.value.clone(), || item.id(), depth)?;
        out.insert(item.key.into_owned(), value);
    }
    Ok(out)
}

fn read_list(doc: &AutoCommit, list: &ObjId, depth: usize) -> Result<Vec<Value>> {
    doc.list_range(list, ..).map(|item| read_value(doc, item.value.clone(), || item.id(), depth)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_document_nested_too_deep_is_refused_not_read() {
        let mut doc = AutoCommit::new();
        let mut obj = ROOT;
        for _ in 0..10_000 {
            obj = doc.put_object(&obj, "x", ObjType::Map).unwrap();
        }
        let err = read::<Value>(&doc).unwrap_err();
        assert!(err.to_string().contains("nested deeper"), "{err}");
    }

    fn round_trip(value: Value) -> Value {
        let doc = create(&value).unwrap();
        read::<Value>(&doc).unwrap()
    }

    #[test]
    fn values_round_trip() {
        let v =
            json!({"a": "1.50", "b": 3, "c": null, "d": true, "e": {"f": [1, 2]}, "lines": [{"id": "x", "q": "2"}]});
        assert_eq!(round_trip(v.clone()), v);
    }

    #[test]
    fn floats_never_enter() {
        assert!(create(&json!({"price": 1.5})).is_err());
    }

    #[test]
    fn saved_bytes_load_back_and_garbage_is_refused() {
        let mut doc = create(&json!({"name": "ACME"})).unwrap();
        let bytes = doc.save();
        assert_eq!(read::<Value>(&load(&bytes).unwrap()).unwrap(), json!({"name": "ACME"}));
        assert!(load(b"not a document").is_err());
    }

    #[test]
    fn unchanged_fields_make_no_change() {
        let v = json!({"name": "ACME", "lines": [{"id": "1", "q": "2"}]});
        let mut doc = create(&v).unwrap();
        let before = heads(&mut doc);
        update(&mut doc, &v).unwrap();
        assert_eq!(heads(&mut doc), before, "writing the same value is no change");
    }

    #[test]
    fn concurrent_edits_of_different_fields_and_lines_all_survive() {
        let base = json!({"notes": "n", "terms": "t", "lines": [{"id": "1", "q": "1"}]});
        let mut a = create(&base).unwrap();
        let mut b = a.fork();
        update(
            &mut a,
            &json!({"notes": "from A", "terms": "t", "lines": [{"id": "1", "q": "1"}, {"id": "2", "q": "5"}]}),
        )
        .unwrap();
        update(
            &mut b,
            &json!({"notes": "n", "terms": "from B", "lines": [{"id": "1", "q": "9"}, {"id": "3", "q": "7"}]}),
        )
        .unwrap();
        a.merge(&mut b).unwrap();
        let merged: Value = read(&a).unwrap();
        assert_eq!(merged["notes"], "from A");
        assert_eq!(merged["terms"], "from B");
        let lines = merged["lines"].as_array().unwrap();
        let mut ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["1", "2", "3"], "both devices' new lines are kept");
        assert_eq!(lines.iter().find(|l| l["id"] == "1").unwrap()["q"], "9", "B's edit of line 1 is kept");
    }

    #[test]
    fn keys_left_out_are_deleted_at_every_level() {
        let mut doc =
            create(&json!({"a": 1, "b": {"c": [1, 2], "d": "x"}, "e": "y", "lines": [{"id": "1", "q": "1"}]})).unwrap();
        let after = json!({"a": 1, "b": {"c": [2]}, "lines": [{"id": "1"}, {"id": "2", "q": "5"}]});
        update(&mut doc, &after).unwrap();
        assert_eq!(read::<Value>(&doc).unwrap(), after);
        let reloaded = load(&doc.save()).unwrap();
        assert_eq!(read::<Value>(&reloaded).unwrap(), after, "as stored");
    }

    #[test]
    fn removed_and_reordered_lines_follow_the_new_list() {
        let mut doc = create(&json!({"lines": [{"id": "1"}, {"id": "2"}, {"id": "3"}]})).unwrap();
        update(&mut doc, &json!({"lines": [{"id": "3"}, {"id": "1"}]})).unwrap();
        assert_eq!(read::<Value>(&doc).unwrap(), json!({"lines": [{"id": "3"}, {"id": "1"}]}));
    }
}
