//! Conversions between PHP values and the core's types.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ArrayKey as ZendKey, ZendHashTable, Zval};

use crate::cache::{ArrayKey, MAX_DEPTH, Value};
use crate::error::Error;
use crate::ratelimit::{Decision, WindowStatus};

type PhpResult<T> = Result<T, Error>;

/// An ordered PHP array under construction (insertion order is what PHP shows).
pub struct Assoc(ZBox<ZendHashTable>);

impl Assoc {
    pub fn new() -> Self {
        Self(ZendHashTable::new())
    }

    pub fn set(mut self, key: &str, value: impl Into<Zval>) -> Self {
        // Inserting into a fresh, mutable array cannot fail.
        let _ = self.0.insert(key, value.into());
        self
    }

    pub fn build(self) -> ZBox<ZendHashTable> {
        self.0
    }
}

/// PHP-side scalar conversions used by [`Assoc::set`].
pub fn long(value: impl TryInto<i64>) -> Zval {
    let mut zval = Zval::new();
    zval.set_long(value.try_into().unwrap_or(i64::MAX));
    zval
}

pub fn boolean(value: bool) -> Zval {
    let mut zval = Zval::new();
    zval.set_bool(value);
    zval
}

pub fn string(value: &str) -> Zval {
    let mut zval = Zval::new();
    let _ = zval.set_string(value, false);
    zval
}

pub fn array(value: ZBox<ZendHashTable>) -> Zval {
    let mut zval = Zval::new();
    zval.set_hashtable(value);
    zval
}

fn window(status: WindowStatus) -> Zval {
    array(
        Assoc::new()
            .set("limit", long(status.limit))
            .set("remaining", long(status.remaining))
            .set("reset", long(status.reset))
            .build(),
    )
}

/// The array `lpapi_rate_hit()` / `lpapi_rate_peek()` return.
pub fn decision(d: &Decision) -> ZBox<ZendHashTable> {
    Assoc::new()
        .set("allowed", boolean(d.allowed))
        .set("limit", long(d.tighter.limit))
        .set("remaining", long(d.tighter.remaining))
        .set("reset", long(d.tighter.reset))
        .set("retry_after", long(d.retry_after))
        .set("minute", window(d.minute))
        .set("hour", window(d.hour))
        .build()
}

/// Copies a PHP array into an owned [`Value`] tree.
///
/// # Errors
/// [`Error::InvalidArgument`] for objects, resources, closures, non-UTF-8
/// string keys, or nesting deeper than [`MAX_DEPTH`].
pub fn to_value(array: &ZendHashTable, depth: usize) -> PhpResult<Value> {
    if depth > MAX_DEPTH {
        return Err(Error::InvalidArgument(format!(
            "record nests deeper than {MAX_DEPTH} arrays"
        )));
    }
    let mut items = Vec::with_capacity(array.len());
    for (key, zval) in array {
        let key = match key {
            ZendKey::Long(i) => ArrayKey::Int(i),
            ZendKey::String(s) => ArrayKey::Str(s.into_bytes()),
            ZendKey::Str(s) => ArrayKey::Str(s.as_bytes().to_vec()),
            ZendKey::ZendString(s) => ArrayKey::Str(
                s.as_str()
                    .map_err(|_| Error::InvalidArgument("record keys must be UTF-8".to_owned()))?
                    .as_bytes()
                    .to_vec(),
            ),
        };
        items.push((key, zval_to_value(zval.dereference(), depth)?));
    }
    Ok(Value::Array(items))
}

fn zval_to_value(zval: &Zval, depth: usize) -> PhpResult<Value> {
    if zval.is_null() {
        Ok(Value::Null)
    } else if let Some(b) = zval.bool() {
        Ok(Value::Bool(b))
    } else if let Some(i) = zval.long() {
        Ok(Value::Int(i))
    } else if let Some(f) = zval.double() {
        Ok(Value::Float(f))
    } else if let Some(s) = zval.zend_str() {
        Ok(Value::Str(s.as_bytes().to_vec()))
    } else if let Some(a) = zval.array() {
        to_value(a, depth + 1)
    } else {
        Err(Error::InvalidArgument(format!(
            "a cached record may hold only null, bool, int, float, string and array values, not {}",
            zval.get_type()
        )))
    }
}

/// Builds the PHP value of a cached [`Value`].
pub fn from_value(value: &Value) -> Zval {
    let mut zval = Zval::new();
    match value {
        Value::Null => zval.set_null(),
        Value::Bool(b) => zval.set_bool(*b),
        Value::Int(i) => zval.set_long(*i),
        Value::Float(f) => zval.set_double(*f),
        Value::Str(bytes) => zval.set_binary(bytes.clone()),
        Value::Array(items) => zval.set_hashtable(from_items(items)),
    }
    zval
}

/// Builds a PHP array from a cached array's items.
pub fn from_items(items: &[(ArrayKey, Value)]) -> ZBox<ZendHashTable> {
    let mut ht = ZendHashTable::with_capacity(u32::try_from(items.len()).unwrap_or(u32::MAX));
    for (key, item) in items {
        let item = from_value(item);
        // Keys were UTF-8 when stored (see `to_value`), and inserting into
        // a fresh array cannot fail.
        let _ = match key {
            ArrayKey::Int(i) => ht.insert_at_index(*i, item),
            ArrayKey::Str(k) => ht.insert(String::from_utf8_lossy(k).as_ref(), item),
        };
    }
    ht
}
