//! [`ArrayValues`]: the elements of a [`Value::Array`](crate::types::Value::Array), one Rust
//! vector per kind (not a vector of `Value`s, so that `Value` is not a recursive type, whose
//! drop the compiler could no longer inline on the hot binding paths).

use crate::types::Value;

/// The elements of an array parameter: one kind, none NULL.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ArrayValues {
    /// Booleans.
    Bool(Vec<bool>),
    /// 16-bit integers.
    I16(Vec<i16>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// 64-bit integers.
    I64(Vec<i64>),
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// Texts.
    Text(Vec<String>),
    /// Byte strings.
    Blob(Vec<Vec<u8>>),
    /// UUIDs.
    Uuid(Vec<[u8; 16]>),
    /// Timestamps without time zone (microseconds since the Unix epoch).
    Timestamp(Vec<i64>),
    /// Instants (microseconds since the Unix epoch, UTC).
    TimestampTz(Vec<i64>),
    /// Dates (days since the Unix epoch).
    Date(Vec<i32>),
    /// Times of day (microseconds since midnight).
    Time(Vec<i64>),
}

impl ArrayValues {
    /// The values as one array, if they are all of one kind that has an array type, none
    /// NULL (`None` otherwise, and for no values).
    pub fn collect<'v>(values: impl IntoIterator<Item = &'v Value>) -> Option<ArrayValues> {
        let mut values = values.into_iter().peekable();
        macro_rules! gather {
            ($variant:ident, $map:expr) => {{
                let mut out = Vec::new();
                for v in values {
                    match v {
                        Value::$variant(x) => out.push($map(x)),
                        _ => return None,
                    }
                }
                ArrayValues::$variant(out)
            }};
        }
        Some(match values.peek()? {
            Value::Bool(_) => gather!(Bool, |x: &bool| *x),
            Value::I16(_) => gather!(I16, |x: &i16| *x),
            Value::I32(_) => gather!(I32, |x: &i32| *x),
            Value::I64(_) => gather!(I64, |x: &i64| *x),
            Value::F32(_) => gather!(F32, |x: &f32| *x),
            Value::F64(_) => gather!(F64, |x: &f64| *x),
            Value::Text(_) => gather!(Text, |x: &String| x.clone()),
            Value::Blob(_) => gather!(Blob, |x: &Vec<u8>| x.clone()),
            Value::Uuid(_) => gather!(Uuid, |x: &[u8; 16]| *x),
            Value::Timestamp(_) => gather!(Timestamp, |x: &i64| *x),
            Value::TimestampTz(_) => gather!(TimestampTz, |x: &i64| *x),
            Value::Date(_) => gather!(Date, |x: &i32| *x),
            Value::Time(_) => gather!(Time, |x: &i64| *x),
            _ => return None,
        })
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            ArrayValues::Bool(v) => v.len(),
            ArrayValues::I16(v) => v.len(),
            ArrayValues::I32(v) | ArrayValues::Date(v) => v.len(),
            ArrayValues::I64(v) | ArrayValues::Timestamp(v) | ArrayValues::TimestampTz(v) | ArrayValues::Time(v) => {
                v.len()
            }
            ArrayValues::F32(v) => v.len(),
            ArrayValues::F64(v) => v.len(),
            ArrayValues::Text(v) => v.len(),
            ArrayValues::Blob(v) => v.len(),
            ArrayValues::Uuid(v) => v.len(),
        }
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::ArrayValues;
    use crate::types::Value;

    #[test]
    fn one_kind_makes_an_array_and_a_mix_or_a_null_does_not() {
        let ints = [Value::I64(3), Value::I64(1)];
        assert_eq!(ArrayValues::collect(&ints), Some(ArrayValues::I64(vec![3, 1])));
        let texts = [Value::Text("a".into())];
        assert_eq!(ArrayValues::collect(&texts), Some(ArrayValues::Text(vec!["a".into()])));
        assert_eq!(ArrayValues::collect(&[Value::I64(1), Value::I32(2)]), None);
        assert_eq!(ArrayValues::collect(&[Value::I64(1), Value::Null]), None);
        assert_eq!(ArrayValues::collect(&[Value::Decimal("1.5".into())]), None);
        assert_eq!(ArrayValues::collect(&[]), None);
    }
}
