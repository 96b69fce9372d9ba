//! A reader of Rust's `{:?}` output (and `{:#?}`'s: whitespace and trailing commas are
//! skipped), for values whose fields are private but whose `Debug` is derived: structs,
//! tuple structs, unit structs and variants, lists, maps, sets, tuples, strings and chars
//! with their escapes, numbers. What `Debug` prints for a value it cannot show (`<borrowed>`
//! for a borrowed `RefCell`) is kept as [`Value::Opaque`].
//!
//! It reads the app's route table for [`unmarked_routes`](super::unmarked_routes): text it
//! cannot read is an error, never a guess.

use core::fmt;

/// How deep values may nest before the text is refused (the stack is not a parser's to
/// exhaust).
const MAX_DEPTH: usize = 128;

/// One value of `{:?}` output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `"…"`, its escapes undone.
    Str(String),
    /// `'…'`, its escape undone.
    Char(char),
    /// A number, as written: `12`, `-1`, `1.5e-3`.
    Number(String),
    /// A bare name: a unit struct or variant, `true`, `None`, `NaN`.
    Ident(String),
    /// `Name { field: value, .. }`; `non_exhaustive` when it ends in `..`.
    Struct {
        name: String,
        fields: Vec<(String, Value)>,
        non_exhaustive: bool,
    },
    /// `Name(value, ..)`, or a tuple `(value, ..)` without a name.
    Tuple {
        name: Option<String>,
        items: Vec<Value>,
    },
    /// `[value, ..]`.
    List(Vec<Value>),
    /// `{key: value, ..}`; `{}` is an empty map.
    Map(Vec<(Value, Value)>),
    /// `{value, ..}`.
    Set(Vec<Value>),
    /// `<…>`: what `Debug` prints for a value it cannot show.
    Opaque(String),
}

impl Value {
    /// The field `name` of a struct.
    pub(crate) fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Self::Struct { fields, .. } => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The struct's name, when this is a struct.
    pub(crate) fn struct_name(&self) -> Option<&str> {
        match self {
            Self::Struct { name, .. } => Some(name),
            _ => None,
        }
    }

    /// A string's text.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `true` or `false`.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Ident(s) if s == "true" => Some(true),
            Self::Ident(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// The items of the tuple struct or tuple variant `name(..)`.
    pub(crate) fn variant(&self, name: &str) -> Option<&[Value]> {
        match self {
            Self::Tuple {
                name: Some(n),
                items,
            } if n == name => Some(items),
            _ => None,
        }
    }

    /// Whether this is the unit variant or unit struct `name`.
    pub(crate) fn is_ident(&self, name: &str) -> bool {
        matches!(self, Self::Ident(s) if s == name)
    }

    /// An `Option`'s content: `None` is `Some(None)`, `Some(v)` is `Some(Some(v))`,
    /// anything else `None`.
    pub(crate) fn as_option(&self) -> Option<Option<&Value>> {
        if self.is_ident("None") {
            return Some(None);
        }
        match self.variant("Some") {
            Some([value]) => Some(Some(value)),
            _ => None,
        }
    }
}

/// Where and why text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// The byte offset where reading stopped.
    pub(crate) at: usize,
    /// What was expected there.
    pub(crate) expected: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {} at byte {}", self.expected, self.at)
    }
}

/// The one value `text` holds (surrounding whitespace aside).
pub(crate) fn parse(text: &str) -> Result<Value, ParseError> {
    let mut parser = Parser { text, at: 0 };
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.at != text.len() {
        return Err(parser.error("the end of the text"));
    }
    Ok(value)
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, expected: &'static str) -> ParseError {
        ParseError {
            at: self.at,
            expected,
        }
    }

    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// Skips whitespace, then `c` if it is next.
    fn eat(&mut self, c: char) -> bool {
        self.skip_whitespace();
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, expected: &'static str) -> Result<(), ParseError> {
        match self.eat(c) {
            true => Ok(()),
            false => Err(self.error(expected)),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("values nested less deeply"));
        }
        self.skip_whitespace();
        match self.peek() {
            Some('"') => self.string().map(Value::Str),
            Some('\'') => self.char_literal().map(Value::Char),
            Some('[') => {
                self.bump();
                self.items(']', depth).map(Value::List)
            }
            Some('(') => {
                self.bump();
                let items = self.items(')', depth)?;
                Ok(Value::Tuple { name: None, items })
            }
            Some('{') => {
                self.bump();
                self.map_or_set(depth)
            }
            Some('<') => self.opaque().map(Value::Opaque),
            Some(c) if c == '-' || c.is_ascii_digit() => Ok(Value::Number(self.number())),
            Some(c) if is_ident_start(c) => self.named(depth),
            _ => Err(self.error("a value")),
        }
    }

    /// Values separated by commas (a trailing one allowed) up to `close`, which is taken.
    fn items(&mut self, close: char, depth: usize) -> Result<Vec<Value>, ParseError> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            if !self.eat(',') {
                self.expect(close, "`,` or the closing bracket")?;
                return Ok(items);
            }
        }
    }

    /// After `{`: `}` (an empty map), `key: value, ..}` or `value, ..}`.
    fn map_or_set(&mut self, depth: usize) -> Result<Value, ParseError> {
        if self.eat('}') {
            return Ok(Value::Map(Vec::new()));
        }
        let first = self.value(depth + 1)?;
        if !self.eat(':') {
            let mut items = vec![first];
            if self.eat(',') {
                items.extend(self.items('}', depth)?);
            } else {
                self.expect('}', "`,` or `}`")?;
            }
            return Ok(Value::Set(items));
        }
        let mut entries = vec![(first, self.value(depth + 1)?)];
        loop {
            if !self.eat(',') {
                self.expect('}', "`,` or `}`")?;
                return Ok(Value::Map(entries));
            }
            if self.eat('}') {
                return Ok(Value::Map(entries));
            }
            let key = self.value(depth + 1)?;
            self.expect(':', "`:` after a map's key")?;
            entries.push((key, self.value(depth + 1)?));
        }
    }

    /// A name, then a struct's fields, a tuple struct's items or nothing.
    fn named(&mut self, depth: usize) -> Result<Value, ParseError> {
        let name = self.path()?;
        // A unit value's name is followed by what follows the value: `,`, `:`, a closing
        // bracket or the end; a struct's by `{`, a tuple struct's by `(`.
        let save = self.at;
        if self.eat('(') {
            let items = self.items(')', depth)?;
            return Ok(Value::Tuple {
                name: Some(name),
                items,
            });
        }
        if self.eat('{') {
            return self.fields(name, depth);
        }
        self.at = save;
        Ok(Value::Ident(name))
    }

    /// After `Name {`: `field: value, ..}`, maybe ending in `..`.
    fn fields(&mut self, name: String, depth: usize) -> Result<Value, ParseError> {
        let mut fields = Vec::new();
        let mut non_exhaustive = false;
        loop {
            if self.eat('}') {
                break;
            }
            self.skip_whitespace();
            if self.rest().starts_with("..") {
                self.at += 2;
                non_exhaustive = true;
                self.expect('}', "`}` after `..`")?;
                break;
            }
            let field = self.ident()?;
            self.expect(':', "`:` after a field's name")?;
            fields.push((field, self.value(depth + 1)?));
            if !self.eat(',') {
                self.expect('}', "`,` or `}`")?;
                break;
            }
        }
        Ok(Value::Struct {
            name,
            fields,
            non_exhaustive,
        })
    }

    /// `name`, `a::b::Name`, with generic arguments kept as written (`PhantomData<u8>`).
    fn path(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        self.ident()?;
        loop {
            if self.rest().starts_with("::") {
                self.at += 2;
                self.ident()?;
            } else if self.peek() == Some('<') {
                self.opaque()?;
            } else {
                return Ok(self.text[start..self.at].to_owned());
            }
        }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, or a raw identifier (`r#type`, read as `type`).
    fn ident(&mut self) -> Result<String, ParseError> {
        self.skip_whitespace();
        if self.rest().starts_with("r#") {
            self.at += 2;
        }
        let start = self.at;
        match self.peek() {
            Some(c) if is_ident_start(c) => {
                self.bump();
            }
            _ => return Err(self.error("a name")),
        }
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        Ok(self.text[start..self.at].to_owned())
    }

    /// `<…>`, nested angle brackets balanced.
    fn opaque(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        let mut depth = 0usize;
        let mut previous = ' ';
        while let Some(c) = self.bump() {
            match c {
                '<' => depth += 1,
                // `->` in a type (`<fn() -> u8>`) closes nothing.
                '>' if previous != '-' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.text[start..self.at].to_owned());
                    }
                }
                _ => {}
            }
            previous = c;
        }
        self.at = start;
        Err(self.error("a closing `>`"))
    }

    /// An integer or a float as `Debug` writes them (`-0.5`, `1e-7`, `inf` is a name).
    fn number(&mut self) -> String {
        let start = self.at;
        if self.peek() == Some('-') {
            self.bump();
        }
        let mut previous = ' ';
        while let Some(c) = self.peek() {
            let exponent_sign = (c == '-' || c == '+') && (previous == 'e' || previous == 'E');
            if !(c.is_ascii_alphanumeric() || c == '.' || c == '_' || exponent_sign) {
                break;
            }
            previous = c;
            self.bump();
        }
        self.text[start..self.at].to_owned()
    }

    /// `"…"` with its escapes undone.
    fn string(&mut self) -> Result<String, ParseError> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("a closing `\"`")),
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.escape()?),
                Some(c) => out.push(c),
            }
        }
    }

    /// `'…'` with its escape undone.
    fn char_literal(&mut self) -> Result<char, ParseError> {
        self.bump();
        let c = match self.bump() {
            Some('\\') => self.escape()?,
            Some(c) if c != '\'' => c,
            _ => return Err(self.error("a character")),
        };
        self.expect_here('\'', "a closing `'`")?;
        Ok(c)
    }

    /// After `\`: the character an escape stands for.
    fn escape(&mut self) -> Result<char, ParseError> {
        let start = self.at;
        let c = match self.bump() {
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('0') => '\0',
            Some('\\') => '\\',
            Some('\'') => '\'',
            Some('"') => '"',
            Some('x') => {
                let hex = self
                    .rest()
                    .get(..2)
                    .ok_or_else(|| self.error("two hex digits"))?;
                let code = u8::from_str_radix(hex, 16).map_err(|_| self.error("two hex digits"))?;
                self.at += 2;
                char::from(code)
            }
            Some('u') => {
                self.expect_here('{', "`{` after `\\u`")?;
                let close = self
                    .rest()
                    .find('}')
                    .ok_or_else(|| self.error("`}` closing a `\\u{..}` escape"))?;
                let hex = &self.rest()[..close];
                let c = u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| self.error("a character's hex code"))?;
                self.at += close + 1;
                c
            }
            _ => {
                self.at = start;
                return Err(self.error("an escape"));
            }
        };
        Ok(c)
    }

    /// `c`, with no whitespace before it.
    fn expect_here(&mut self, c: char, expected: &'static str) -> Result<(), ParseError> {
        match self.peek() == Some(c) {
            true => {
                self.bump();
                Ok(())
            }
            false => Err(self.error(expected)),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::rc::{Rc, Weak};

    use super::*;

    fn s(text: &str) -> Value {
        Value::Str(text.to_owned())
    }

    fn ident(text: &str) -> Value {
        Value::Ident(text.to_owned())
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Unit;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Pair(i32, &'static str);

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Shape {
        Single(String),
        List(Vec<String>),
        Empty,
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Node {
        name: Option<String>,
        shape: Shape,
        flag: bool,
        ratio: f64,
        letter: char,
        unit: Unit,
        pair: Pair,
        map: BTreeMap<String, Vec<u8>>,
        tuple: (i8, ()),
        parent: Weak<Node>,
        cell: core::cell::RefCell<u8>,
        r#type: u8,
    }

    fn node() -> Node {
        Node {
            name: Some("a \"quoted\" \\ name\n\t\u{7f}é".to_owned()),
            shape: Shape::List(vec!["/a".to_owned(), "/{tail:.*}".to_owned()]),
            flag: true,
            ratio: -1.5e-7,
            letter: '\'',
            unit: Unit,
            pair: Pair(-3, "x"),
            map: BTreeMap::from([("k".to_owned(), vec![1, 2]), ("l".to_owned(), vec![])]),
            tuple: (0, ()),
            parent: Weak::new(),
            cell: core::cell::RefCell::new(7),
            r#type: 1,
        }
    }

    fn expected(cell: Value) -> Value {
        Value::Struct {
            name: "Node".to_owned(),
            fields: vec![
                (
                    "name".to_owned(),
                    Value::Tuple {
                        name: Some("Some".to_owned()),
                        items: vec![s("a \"quoted\" \\ name\n\t\u{7f}é")],
                    },
                ),
                (
                    "shape".to_owned(),
                    Value::Tuple {
                        name: Some("List".to_owned()),
                        items: vec![Value::List(vec![s("/a"), s("/{tail:.*}")])],
                    },
                ),
                ("flag".to_owned(), ident("true")),
                ("ratio".to_owned(), Value::Number("-1.5e-7".to_owned())),
                ("letter".to_owned(), Value::Char('\'')),
                ("unit".to_owned(), ident("Unit")),
                (
                    "pair".to_owned(),
                    Value::Tuple {
                        name: Some("Pair".to_owned()),
                        items: vec![Value::Number("-3".to_owned()), s("x")],
                    },
                ),
                (
                    "map".to_owned(),
                    Value::Map(vec![
                        (
                            s("k"),
                            Value::List(vec![
                                Value::Number("1".to_owned()),
                                Value::Number("2".to_owned()),
                            ]),
                        ),
                        (s("l"), Value::List(vec![])),
                    ]),
                ),
                (
                    "tuple".to_owned(),
                    Value::Tuple {
                        name: None,
                        items: vec![
                            Value::Number("0".to_owned()),
                            Value::Tuple {
                                name: None,
                                items: vec![],
                            },
                        ],
                    },
                ),
                (
                    "parent".to_owned(),
                    Value::Tuple {
                        name: None,
                        items: vec![ident("Weak")],
                    },
                ),
                ("cell".to_owned(), cell),
                ("type".to_owned(), Value::Number("1".to_owned())),
            ],
            non_exhaustive: false,
        }
    }

    fn ref_cell(value: Value) -> Value {
        Value::Struct {
            name: "RefCell".to_owned(),
            fields: vec![("value".to_owned(), value)],
            non_exhaustive: false,
        }
    }

    #[test]
    fn reads_what_derived_debug_writes_compact_and_pretty() {
        let node = node();
        let want = expected(ref_cell(Value::Number("7".to_owned())));
        assert_eq!(parse(&format!("{node:?}")), Ok(want.clone()));
        assert_eq!(parse(&format!("{node:#?}")), Ok(want));
    }

    #[test]
    fn reads_opaque_values_sets_and_non_exhaustive_structs() {
        let node = node();
        let _borrow = node.cell.borrow_mut();
        let want = expected(ref_cell(Value::Opaque("<borrowed>".to_owned())));
        assert_eq!(parse(&format!("{node:?}")), Ok(want));

        let set = std::collections::BTreeSet::from(["b", "a"]);
        assert_eq!(
            parse(&format!("{set:?}")),
            Ok(Value::Set(vec![s("a"), s("b")]))
        );
        assert_eq!(parse("{}"), Ok(Value::Map(vec![])));

        let text = format!("{:?}", NonExhaustive(1));
        assert_eq!(text, "NonExhaustive { a: 1, .. }");
        assert_eq!(
            parse(&text),
            Ok(Value::Struct {
                name: "NonExhaustive".to_owned(),
                fields: vec![("a".to_owned(), Value::Number("1".to_owned()))],
                non_exhaustive: true,
            })
        );
        assert_eq!(
            parse("E {}"),
            Ok(Value::Struct {
                name: "E".to_owned(),
                fields: vec![],
                non_exhaustive: false
            })
        );
        assert_eq!(
            parse(&format!("{:?}", core::marker::PhantomData::<u8>)),
            Ok(ident("PhantomData<u8>"))
        );
        let rc = Rc::new(Shape::Empty);
        assert_eq!(parse(&format!("{rc:?}")), Ok(ident("Empty")));
    }

    struct NonExhaustive(u8);

    impl fmt::Debug for NonExhaustive {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("NonExhaustive")
                .field("a", &self.0)
                .finish_non_exhaustive()
        }
    }

    #[test]
    fn every_escape_debug_writes_is_undone() {
        let all: String = (0..0x300u32).filter_map(char::from_u32).collect();
        assert_eq!(parse(&format!("{all:?}")), Ok(Value::Str(all.clone())));
        for c in all.chars() {
            assert_eq!(parse(&format!("{c:?}")), Ok(Value::Char(c)), "{c:?}");
        }
        assert_eq!(parse(r#""\x41""#), Ok(s("A")));
    }

    #[test]
    fn refuses_what_it_cannot_read_and_says_where() {
        for (text, at) in [
            ("", 0),
            ("Node { a: 1", 11),
            ("Node { a 1 }", 9),
            ("[1, 2", 5),
            ("\"open", 5),
            ("Some(1) trailing", 8),
            ("{1: 2, 3}", 8),
            ("'ab'", 2),
            ("\"\\q\"", 2),
            ("\"\\u{110000}\"", 4),
            ("<never closed", 0),
            ("Node { .. , a: 1 }", 10),
            ("@", 0),
        ] {
            let got = parse(text);
            assert_eq!(got.as_ref().map_err(|e| e.at), Err(at), "{text:?}: {got:?}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert!(parse(&deep).is_err());
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn accessors_read_structs_options_and_variants() {
        let value = parse(&format!("{:?}", node())).unwrap();
        assert_eq!(value.struct_name(), Some("Node"));
        let name = value.field("name").and_then(Value::as_option).flatten();
        assert_eq!(
            name.and_then(Value::as_str),
            Some("a \"quoted\" \\ name\n\t\u{7f}é")
        );
        assert_eq!(value.field("flag").and_then(Value::as_bool), Some(true));
        let list = value.field("shape").and_then(|v| v.variant("List"));
        assert_eq!(
            list,
            Some(&[Value::List(vec![s("/a"), s("/{tail:.*}")])][..])
        );
        assert_eq!(value.field("shape").and_then(|v| v.variant("Single")), None);
        assert_eq!(ident("None").as_option(), Some(None));
        assert_eq!(s("None").as_option(), None);
        assert_eq!(value.field("missing"), None);
    }
}
