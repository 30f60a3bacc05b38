//! How request bodies are read: strict on shape, lenient where Chatwoot's
//! Rails server is, so its clients keep working (issue 11, threats.md #4).
//!
//! - An object where a struct belongs, never an array (serde's derive would read
//!   `["web_widget", "#ff0000"]` as a struct's fields in order), and a scalar
//!   where a scalar belongs: else `invalid_type`.
//! - Numbers also as numeric strings (`"42"`), booleans also as `"true"` /
//!   `"false"`: what form posts and Rails clients send.
//! - Unknown fields are ignored (serde's default).
//! - A body may come wrapped in its resource's name (`{"inbox": {…}}`), as Rails'
//!   ParamsWrapper allows: [`Wrapped`] names it per payload type.
//!
//! [`Strict`] is a serde `Deserializer` over a parsed `serde_json::Value` that
//! applies these rules at every depth.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Number, Value};

/// The resource name a payload may be wrapped in (`{"contact": {…}}`).
pub trait Wrapped {
    const WRAPPER: &'static str;
}

/// `wrapped!(Payload => "name", …)`: the resource names of payload types.
macro_rules! wrapped {
    ($($t:ty => $name:literal),* $(,)?) => {
        $(impl $crate::json::Wrapped for $t {
            const WRAPPER: &'static str = $name;
        })*
    };
}
pub(crate) use wrapped;

/// The body as the payload reads it: the wrapped object, with any other
/// top-level keys it does not have itself, or the body as it came.
pub fn unwrap(body: Value, wrapper: &str) -> Value {
    let Value::Object(mut outer) = body else { return body };
    match outer.remove(wrapper) {
        Some(Value::Object(mut inner)) => {
            for (k, v) in outer {
                inner.entry(k).or_insert(v);
            }
            Value::Object(inner)
        }
        Some(other) => {
            outer.insert(wrapper.to_owned(), other);
            Value::Object(outer)
        }
        None => Value::Object(outer),
    }
}

/// A strict reader of one JSON value.
pub struct Strict<'a>(pub &'a Value);

type Error = serde_json::Error;

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(de::Unexpected::Other("number"), de::Unexpected::Float),
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

impl<'a> Strict<'a> {
    fn wrong<T>(&self, expected: &'static str) -> Result<T, Error> {
        Err(de::Error::invalid_type(unexpected(self.0), &expected))
    }

    /// A number, or a string that is one (`"42"`).
    fn number(&self) -> Option<Number> {
        match self.0 {
            Value::Number(n) => Some(n.clone()),
            Value::String(s) => s.trim().parse::<i64>().ok().map(Number::from),
            _ => None,
        }
    }
}

fn visit_object<'de, V: Visitor<'de>>(map: &'de Map<String, Value>, visitor: V) -> Result<V::Value, Error> {
    visitor.visit_map(Entries { iter: map.iter(), value: None })
}

macro_rules! integer {
    ($method:ident, $visit:ident, $as:ident) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.number().and_then(|n| n.$as()) {
                Some(n) => visitor.$visit(n),
                None => self.wrong("an integer"),
            }
        }
    };
}

impl<'de> de::Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (_, Some(i), _) => visitor.visit_i64(i),
                (_, _, f) => visitor.visit_f64(f.unwrap_or_default()),
            },
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visit_object(map, visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            _ => self.wrong("an object"),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            _ => self.wrong("an object"),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            _ => self.wrong("an array"),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::String(s) if s == "true" => visitor.visit_bool(true),
            Value::String(s) if s == "false" => visitor.visit_bool(false),
            _ => self.wrong("a boolean"),
        }
    }

    integer!(deserialize_i64, visit_i64, as_i64);
    integer!(deserialize_i32, visit_i64, as_i64);
    integer!(deserialize_i16, visit_i64, as_i64);
    integer!(deserialize_i8, visit_i64, as_i64);
    integer!(deserialize_u64, visit_u64, as_u64);
    integer!(deserialize_u32, visit_u64, as_u64);
    integer!(deserialize_u16, visit_u64, as_u64);
    integer!(deserialize_u8, visit_u64, as_u64);

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Number(n) => visitor.visit_f64(n.as_f64().unwrap_or_default()),
            _ => self.wrong("a number"),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_borrowed_str(s),
            _ => self.wrong("a string"),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => self.wrong("a string"),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct tuple tuple_struct identifier
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(Strict(v))).transpose()
    }
}

struct Entries<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.iter.next() else { return Ok(None) };
        self.value = Some(v);
        seed.deserialize(de::value::BorrowedStrDeserializer::new(k)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(Strict(v)),
            None => Err(de::Error::custom("a value without its key")),
        }
    }
}

/// For `Option<Option<T>>` fields with `#[serde(default)]`: absent is `None`
/// (keep the stored value), `null` is `Some(None)` (clear it).
pub fn explicit_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Channel {
        #[serde(rename = "type")]
        kind: Option<String>,
        color: Option<String>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Body {
        name: String,
        channel: Option<Channel>,
        id: Option<i64>,
        private: Option<bool>,
        tags: Option<Vec<String>>,
    }

    fn read(v: Value) -> Result<Body, String> {
        Body::deserialize(Strict(&v)).map_err(|e| e.to_string())
    }

    #[test]
    fn arrays_are_not_structs_at_any_depth() {
        assert!(read(json!(["x", null])).is_err_and(|e| e.starts_with("invalid type")));
        let nested = read(json!({"name": "x", "channel": ["web_widget", "#ff0000"]}));
        assert!(nested.is_err_and(|e| e.starts_with("invalid type")));
        assert!(read(json!({"name": ["x"]})).is_err_and(|e| e.starts_with("invalid type")));
        assert!(read(json!({"name": {"a": 1}})).is_err_and(|e| e.starts_with("invalid type")));
    }

    #[test]
    fn numbers_and_booleans_also_come_as_strings_and_unknown_fields_are_ignored() {
        let got = read(json!({"name": "x", "id": "42", "private": "true", "extra": [1], "tags": ["a"],
            "channel": {"type": "web_widget"}}));
        assert_eq!(
            got,
            Ok(Body {
                name: "x".into(),
                channel: Some(Channel { kind: Some("web_widget".into()), color: None }),
                id: Some(42),
                private: Some(true),
                tags: Some(vec!["a".into()]),
            })
        );
        assert!(read(json!({"name": "x", "id": "4x"})).is_err());
        assert!(read(json!({"name": "x", "private": "yes"})).is_err());
        assert!(read(json!({"name": 5})).is_err(), "a number is not a string");
    }

    #[test]
    fn a_wrapped_body_reads_like_a_flat_one() {
        let flat = json!({"name": "x", "id": 1});
        assert_eq!(unwrap(json!({"inbox": {"name": "x"}, "id": 1}), "inbox"), flat);
        assert_eq!(unwrap(flat.clone(), "inbox"), flat);
        assert_eq!(
            unwrap(json!({"inbox": {"name": "x"}, "name": "y"}), "inbox")["name"],
            "x",
            "the wrapped value wins"
        );
        assert_eq!(unwrap(json!({"inbox": "x"}), "inbox"), json!({"inbox": "x"}), "only an object unwraps");
    }
}
