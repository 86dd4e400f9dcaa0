//! Deserializes YAML straight into JSON's data model in one pass, refusing duplicate keys.
//!
//! `serde_json::Value` itself would keep the last of two equal keys silently, and going through
//! `serde_yaml::Value` first builds every document twice. Keys become strings, tags are dropped
//! and non-finite floats become strings, so that JSON Schema can validate every YAML document.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde_json::{Map, Number, Value};

/// A JSON value read from YAML; see the module docs.
pub struct JsonValue(pub Value);

impl<'de> de::Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor).map(JsonValue)
    }
}

/// The prefix of the error a duplicate key raises; the key follows in quotes.
pub const DUPLICATE_KEY: &str = "duplicate entry with key ";

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or_else(|| Value::String(yaml_float(v).into()), Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(JsonValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(JsonValue(key)) = map.next_key()? {
            let key = match key {
                Value::String(s) => s,
                other => other.to_string(),
            };
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE_KEY}\"{key}\"")));
            }
            let JsonValue(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }

    /// A tagged value (`!tag value`): the tag is dropped, the value kept.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (_tag, variant): (de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant_seed(Seed).map(|JsonValue(v)| v)
    }
}

struct Seed;

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = JsonValue;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<JsonValue, D::Error> {
        de::Deserialize::deserialize(deserializer)
    }
}

/// How YAML writes a float JSON cannot hold.
fn yaml_float(v: f64) -> &'static str {
    if v.is_nan() {
        ".nan"
    } else if v > 0.0 {
        ".inf"
    } else {
        "-.inf"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Value, serde_yaml::Error> {
        serde_yaml::from_str::<JsonValue>(text).map(|v| v.0)
    }

    #[test]
    fn reads_every_yaml_shape() {
        let value =
            read("a: [1, -2, 1.5, true, ~, x]\nb: {c: d}\nc: !Foo {x: 1}\n3: .inf\n").unwrap();
        assert_eq!(
            value,
            serde_json::json!({"a": [1, -2, 1.5, true, null, "x"], "b": {"c": "d"}, "c": {"x": 1}, "3": ".inf"})
        );
    }

    #[test]
    fn duplicate_keys_anywhere_are_errors() {
        let error = read("list:\n- a: 1\n  a: 2\n").unwrap_err();
        assert!(
            error.to_string().contains(&format!("{DUPLICATE_KEY}\"a\"")),
            "{error}"
        );
        assert!(read("1: x\n\"1\": y\n").is_err());
    }
}
