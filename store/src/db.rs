//! The SQL connection the store needs, as a trait: Spin's SQLite in wasm, rusqlite in tests.

use crate::api::StoreError;
use crate::errors::corrupt;

pub use spin_sdk::sqlite3::Value;

/// Result rows, each the values of the selected columns in order.
pub type Rows = Vec<Vec<Value>>;

/// One SQLite connection. Statements run one at a time (Spin's `execute` prepares one).
///
/// Everything comes back as rows: the connection's `changes()` and `last_insert_rowid()`
/// are not asked for, since Spin's libSQL connection answers 0 to both. Writes that need
/// them say `RETURNING` ([`changed`], `INSERT … RETURNING id`).
pub trait Db {
    /// Run one statement with positional `?` parameters and return its rows, if any.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError>;
}

/// Run an INSERT, UPDATE or DELETE and count the rows it changed (by `RETURNING`).
pub fn changed(db: &dyn Db, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
    let rows = db.execute(&format!("{sql} RETURNING 1"), params)?;
    Ok(rows.len() as u64)
}

/// Run a statement expected to return at most one row.
pub fn query_opt(
    db: &dyn Db,
    sql: &str,
    params: &[Value],
) -> Result<Option<Vec<Value>>, StoreError> {
    Ok(db.execute(sql, params)?.into_iter().next())
}

/// Run a statement expected to return at most one row, and read that row with `read`.
pub fn query_opt_with<T>(
    db: &dyn Db,
    sql: &str,
    params: &[Value],
    read: impl FnOnce(Row) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    query_opt(db, sql, params)?
        .map(|values| read(Row(&values)))
        .transpose()
}

/// Run a statement expected to return exactly one row (e.g. an aggregate).
pub fn query_one(db: &dyn Db, sql: &str, params: &[Value]) -> Result<Vec<Value>, StoreError> {
    query_opt(db, sql, params)?.ok_or_else(|| corrupt("query returned no row"))
}

/// Typed access to one result row; a wrong type means the schema and code disagree.
pub struct Row<'a>(pub &'a [Value]);

impl Row<'_> {
    fn at(&self, i: usize) -> Result<&Value, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| corrupt(&format!("missing column {i}")))
    }

    /// The column read by `read`, or `None` for NULL.
    fn unless_null<T>(
        &self,
        i: usize,
        read: fn(&Self, usize) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => read(self, i).map(Some),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, StoreError> {
        match self.at(i)? {
            Value::Integer(v) => Ok(*v),
            other => Err(mismatch(i, "integer", other)),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        self.unless_null(i, Self::int)
    }

    /// A non-negative integer (counts, attempts), rejecting what cannot come from the schema.
    pub fn count(&self, i: usize) -> Result<u64, StoreError> {
        u64::try_from(self.int(i)?).map_err(|_| corrupt(&format!("column {i}: negative count")))
    }

    /// A real; SQLite may hand back an integer for a REAL column holding a whole number.
    pub fn real(&self, i: usize) -> Result<f64, StoreError> {
        match self.at(i)? {
            Value::Real(v) => Ok(*v),
            Value::Integer(v) => Ok(*v as f64),
            other => Err(mismatch(i, "real", other)),
        }
    }

    pub fn text(&self, i: usize) -> Result<String, StoreError> {
        match self.at(i)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(mismatch(i, "text", other)),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.unless_null(i, Self::text)
    }

    pub fn blob(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        match self.at(i)? {
            Value::Blob(v) => Ok(v.clone()),
            other => Err(mismatch(i, "blob", other)),
        }
    }
}

/// Column `i` holds another type than the code reads.
fn mismatch(i: usize, expected: &str, got: &Value) -> StoreError {
    corrupt(&format!("column {i}: expected {expected}, got {got:?}"))
}

/// Parameter helpers, so call sites read like the SQL they bind.
pub fn int(v: i64) -> Value {
    Value::Integer(v)
}

pub fn text(v: &str) -> Value {
    Value::Text(v.to_owned())
}

pub fn opt_int(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::Integer)
}

pub fn opt_text(v: Option<&str>) -> Value {
    v.map_or(Value::Null, text)
}
