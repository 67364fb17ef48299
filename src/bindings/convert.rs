//! Conversions between PHP values and the core's types.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::FromZval;
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ZendHashTable, Zval};

use crate::cache::{ArrayKey, MAX_DEPTH, Value};
use crate::counting::Counted;
use crate::error::Error;
use crate::ratelimit::{Decision, Limits, Window, WindowStatus};

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

/// The array `lpapi_rate_hit()` / `lpapi_rate_peek()` return: one bucket
/// with a minute and an hour limit.
pub fn decision(d: &Decision) -> ZBox<ZendHashTable> {
    let (_, _, tightest) = d.tightest;
    let mut out = Assoc::new()
        .set("allowed", boolean(d.allowed))
        .set("limit", long(tightest.limit))
        .set("remaining", long(tightest.remaining))
        .set("reset", long(tightest.reset))
        .set("retry_after", long(d.retry_after));
    for w in [Window::Minute, Window::Hour] {
        out = out.set(w.name(), optional_window(d.window(0, w)));
    }
    out.build()
}

fn optional_window(status: Option<WindowStatus>) -> Zval {
    status.map_or_else(Zval::null, window)
}

/// The array `lpapi_rate_hit_many()` returns: the decision and where it was counted.
pub fn counted(c: &Counted) -> ZBox<ZendHashTable> {
    let d = &c.decision;
    let (index, which, tightest) = d.tightest;
    let mut buckets = ZendHashTable::new();
    for statuses in &d.buckets {
        let mut entry = Assoc::new();
        for (w, status) in Window::ALL.into_iter().zip(statuses) {
            entry = entry.set(w.name(), optional_window(*status));
        }
        // Appending to a fresh, mutable array cannot fail.
        let _ = buckets.push(array(entry.build()));
    }
    Assoc::new()
        .set("allowed", boolean(d.allowed))
        .set("limit", long(tightest.limit))
        .set("remaining", long(tightest.remaining))
        .set("reset", long(tightest.reset))
        .set("retry_after", long(d.retry_after))
        .set("bucket", long(index))
        .set("window", string(which.name()))
        .set("buckets", array(buckets))
        .set("scope", string(c.scope.name()))
        .set("scope_changed", boolean(c.scope_changed))
        .set("cache_flushed", boolean(c.flush_cache))
        .build()
}

/// Most buckets one decision takes.
pub const MAX_BUCKETS: usize = 8;
/// The fields a bucket entry may have.
const BUCKET_FIELDS: [&str; 4] = ["bucket", "per_minute", "per_hour", "per_day"];

/// The `$buckets` argument of `lpapi_rate_hit_many()`: names (borrowed from
/// the PHP strings) and limits.
///
/// # Errors
/// [`Error::InvalidArgument`] naming the field, as php-stubs/lpapi.php lists.
pub fn buckets(list: &ZendHashTable, max_name: usize) -> PhpResult<Vec<(&[u8], Limits)>> {
    let not_a_list = || {
        Error::InvalidArgument(format!(
            "buckets must be a list of 1 to {MAX_BUCKETS} buckets"
        ))
    };
    if list.is_empty() || list.len() > MAX_BUCKETS {
        return Err(not_a_list());
    }
    let mut out: Vec<(&[u8], Limits)> = Vec::with_capacity(list.len());
    let mut entries = list.iter();
    let mut position: i64 = 0;
    while let Some((key, zval)) = entries.next_zval() {
        if key.long() != Some(position) {
            return Err(not_a_list());
        }
        // Made only for an error message: the hot path allocates nothing here.
        let at = || format!("buckets[{position}]");
        let entry = zval
            .dereference()
            .array()
            .ok_or_else(|| Error::InvalidArgument(format!("{} must be an array", at())))?;
        let mut fields: [Option<&Zval>; 4] = [None; 4];
        let mut items = entry.iter();
        while let Some((name, value)) = items.next_zval() {
            let slot = name
                .str()
                .and_then(|n| BUCKET_FIELDS.iter().position(|f| *f == n))
                .ok_or_else(|| {
                    let shown = name
                        .str()
                        .map(str::to_owned)
                        .or_else(|| name.long().map(|i| i.to_string()))
                        .unwrap_or_else(|| "?".to_owned());
                    Error::InvalidArgument(format!("{} has an unknown field \"{shown}\"", at()))
                })?;
            fields[slot] = Some(value.dereference());
        }
        let name: &[u8] = fields[0]
            .and_then(|z| z.zend_str())
            .map(ext_php_rs::types::ZendStr::as_bytes)
            .filter(|n| !n.is_empty() && n.len() <= max_name)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "{}[bucket] must be a string of 1 to {max_name} bytes",
                    at()
                ))
            })?;
        let field = |name: &str| format!("{}[{name}]", at());
        let mut limits = [None; 3];
        for (i, value) in fields[1..].iter().enumerate() {
            limits[i] = match value {
                None => None,
                Some(z) if z.is_null() => None,
                Some(z) if z.is_long() => z.long(),
                Some(_) => {
                    return Err(Error::InvalidArgument(format!(
                        "{} must be null or an integer between 1 and {}",
                        field(BUCKET_FIELDS[i + 1]),
                        u32::MAX
                    )));
                }
            };
        }
        let limits = Limits::new(limits[0], limits[1], limits[2], &at, &field)?;
        if let Some(earlier) = out.iter().position(|(n, _)| *n == name) {
            return Err(Error::InvalidArgument(format!(
                "{}[bucket] repeats buckets[{earlier}][bucket]",
                at()
            )));
        }
        out.push((name, limits));
        position += 1;
    }
    Ok(out)
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
    // `next_zval` hands the key over as a zval; ext-php-rs's plain iterator
    // panics on a key that is not UTF-8.
    let mut entries = array.iter();
    while let Some((key, zval)) = entries.next_zval() {
        let key = if let Some(index) = key.long() {
            ArrayKey::Int(index)
        } else if let Some(name) = key.str() {
            ArrayKey::Str(name.as_bytes().to_vec())
        } else {
            return Err(Error::InvalidArgument(
                "record keys must be integers or UTF-8 strings".to_owned(),
            ));
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

/// A string argument, converted the way PHP converts arguments of internal
/// functions in coercive mode: strings as they are (any bytes), integers,
/// booleans and finite floats to their string form; anything else is a
/// `TypeError`.
pub struct Bytes(pub Vec<u8>);

impl<'a> FromZval<'a> for Bytes {
    const TYPE: DataType = DataType::String;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        let zval = zval.dereference();
        if let Some(s) = zval.zend_str() {
            Some(Self(s.as_bytes().to_vec()))
        } else if let Some(i) = zval.long() {
            Some(Self(i.to_string().into_bytes()))
        } else if let Some(b) = zval.bool() {
            Some(Self(if b { b"1".to_vec() } else { Vec::new() }))
        } else {
            // PHP writes floats in their shortest round-trip form, as Rust
            // does, except for exponents (1.0E+20), which are refused here.
            zval.double()
                .filter(|f| f.is_finite() && (*f == 0.0 || (1e-4..1e15).contains(&f.abs())))
                .map(|f| Self(format!("{f}").into_bytes()))
        }
    }
}

/// An integer argument, converted as PHP does in coercive mode: integers,
/// integral floats, numeric strings with an integral value (surrounding
/// whitespace allowed) and booleans; anything else is a `TypeError`.
pub struct Int(pub i64);

impl<'a> FromZval<'a> for Int {
    const TYPE: DataType = DataType::Long;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        let zval = zval.dereference();
        if let Some(i) = zval.long() {
            Some(Self(i))
        } else if let Some(b) = zval.bool() {
            Some(Self(i64::from(b)))
        } else if let Some(f) = zval.double() {
            integral_float(f).map(Self)
        } else {
            let text = zval.str()?.trim_matches(|c: char| c.is_ascii_whitespace());
            text.parse::<i64>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(integral_float))
                .map(Self)
        }
    }
}

// For `#[php(defaults(cost = 1))]`: the default value and its stub text.
impl From<i64> for Int {
    fn from(value: i64) -> Self {
        Self(value)
    }
}

impl ext_php_rs::convert::StubLiteral for Int {
    fn stub_literal(&self) -> String {
        self.0.to_string()
    }
}

/// The float as an integer if it is exactly one (PHP 8.1+ deprecates
/// float-to-int conversions that lose precision; this refuses them).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::float_cmp
)]
fn integral_float(f: f64) -> Option<i64> {
    let i = f as i64;
    (f.is_finite() && f.fract() == 0.0 && i as f64 == f).then_some(i)
}
