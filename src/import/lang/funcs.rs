//! Terraform's and Packer's built-in functions that a pipeline's
//! definition uses, for hcl-rs's evaluator (which has none of its own).
//!
//! Hand-written: the one crate with HashiCorp's functions for hcl-rs
//! (`ensan` 0.2) pins hcl-rs 0.18 and has none of `coalesce`, `lookup`,
//! `merge`, `concat`; each function here follows the Terraform language
//! documentation ("Built-in Functions"). `try` and `can` need their
//! arguments unevaluated: `super::lazy` handles them before evaluation.

use std::cell::RefCell;
use std::path::PathBuf;

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

type Res = Result<Value, String>;

thread_local! {
    /// The directory `file()` and `templatefile()` read relative paths
    /// from (Terraform's: the working directory, the root module's).
    // A thread-local because hcl-rs's functions are plain `fn` pointers.
    pub(crate) static ROOT: RefCell<PathBuf> = RefCell::new(PathBuf::from("."));
}

/// Every function, declared in `ctx`.
pub(crate) fn declare(ctx: &mut Context) {
    let any = || ParamType::Any;
    let variadic: [(&str, hcl::eval::Func); 7] = [
        ("coalesce", coalesce),
        ("coalescelist", coalescelist),
        ("merge", merge),
        ("concat", concat),
        ("format", format),
        ("min", min),
        ("max", max),
    ];
    for (name, f) in variadic {
        ctx.declare_func(name, FuncDef::builder().variadic_param(any()).build(f));
    }
    let fixed: [(&str, hcl::eval::Func, usize); 32] = [
        ("regex", regex_fn, 2),
        ("regexall", regexall, 2),
        ("regex_replace", regex_replace, 3),
        ("length", length, 1),
        ("tolist", tolist, 1),
        ("toset", toset, 1),
        ("tomap", identity, 1),
        ("tostring", tostring, 1),
        ("tonumber", tonumber, 1),
        ("tobool", identity, 1),
        ("keys", keys, 1),
        ("values", values, 1),
        ("join", join, 2),
        ("split", split, 2),
        ("replace", replace, 3),
        ("lower", lower, 1),
        ("upper", upper, 1),
        ("trimspace", trimspace, 1),
        ("trimprefix", trimprefix, 2),
        ("trimsuffix", trimsuffix, 2),
        ("element", element, 2),
        ("flatten", flatten, 1),
        ("distinct", distinct, 1),
        ("contains", contains, 2),
        ("compact", compact, 1),
        ("zipmap", zipmap, 2),
        ("one", one, 1),
        ("file", file, 1),
        ("templatefile", templatefile, 2),
        ("jsonencode", jsonencode, 1),
        ("yamlencode", jsonencode, 1),
        ("jsondecode", jsondecode, 1),
    ];
    for (name, f, n) in fixed {
        ctx.declare_func(name, FuncDef::new(f, std::iter::repeat_n(any(), n)));
    }
    // lookup's default is optional.
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .params([any(), any()])
            .variadic_param(any())
            .build(lookup),
    );
}

fn str_arg(v: &Value, f: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{f}: expected a string, got {other}")),
    }
}

fn list_arg<'v>(v: &'v Value, f: &str) -> Result<&'v Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{f}: expected a list, got {v}"))
}

fn map_arg<'v>(v: &'v Value, f: &str) -> Result<&'v hcl::Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{f}: expected a map, got {v}"))
}

fn empty(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::String(s) if s.is_empty())
}

fn coalesce(args: FuncArgs) -> Res {
    args.iter()
        .find(|v| !empty(v))
        .cloned()
        .ok_or_else(|| "coalesce: no non-null, non-empty argument".into())
}

fn coalescelist(args: FuncArgs) -> Res {
    args.iter()
        .find(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        .cloned()
        .ok_or_else(|| "coalescelist: no non-empty list".into())
}

fn merge(args: FuncArgs) -> Res {
    let mut out = hcl::Map::new();
    for a in args.iter().filter(|a| !a.is_null()) {
        for (k, v) in map_arg(a, "merge")? {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

fn concat(args: FuncArgs) -> Res {
    let mut out = Vec::new();
    for a in args.iter() {
        out.extend(list_arg(a, "concat")?.iter().cloned());
    }
    Ok(Value::Array(out))
}

/// `format`'s verbs `%s`, `%d`, `%v`, `%%` (the ones pipeline names use).
fn format(args: FuncArgs) -> Res {
    let (spec, rest) = args.split_first().ok_or("format: no format string")?;
    let spec = str_arg(spec, "format")?;
    let mut rest = rest.iter();
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => {
                let v = rest.next().ok_or("format: too few arguments")?;
                out.push_str(&str_arg(v, "format")?);
            }
            other => {
                return Err(format!(
                    "format: the verb %{} is not read",
                    other.unwrap_or(' ')
                ));
            }
        }
    }
    Ok(Value::String(out))
}

fn numbers(args: &FuncArgs, f: &str) -> Result<Vec<f64>, String> {
    args.iter()
        .map(|v| v.as_f64().ok_or_else(|| format!("{f}: expected numbers")))
        .collect()
}

fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

fn min(args: FuncArgs) -> Res {
    let n = numbers(&args, "min")?;
    Ok(number(n.into_iter().fold(f64::INFINITY, f64::min)))
}

fn max(args: FuncArgs) -> Res {
    let n = numbers(&args, "max")?;
    Ok(number(n.into_iter().fold(f64::NEG_INFINITY, f64::max)))
}

fn lookup(args: FuncArgs) -> Res {
    let key = str_arg(&args[1], "lookup")?;
    match map_arg(&args[0], "lookup")?.get(&key) {
        Some(v) => Ok(v.clone()),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| format!("lookup: no key {key:?} and no default")),
    }
}

fn length(args: FuncArgs) -> Res {
    let n = match &args[0] {
        Value::Array(a) => a.len(),
        Value::Object(m) => m.len(),
        Value::String(s) => s.chars().count(),
        other => return Err(format!("length: not a collection: {other}")),
    };
    Ok(Value::from(n as u64))
}

fn identity(args: FuncArgs) -> Res {
    Ok(args[0].clone())
}

fn tolist(args: FuncArgs) -> Res {
    Ok(Value::Array(list_arg(&args[0], "tolist")?.clone()))
}

fn toset(args: FuncArgs) -> Res {
    distinct(args)
}

fn tostring(args: FuncArgs) -> Res {
    Ok(Value::String(str_arg(&args[0], "tostring")?))
}

fn tonumber(args: FuncArgs) -> Res {
    match &args[0] {
        Value::Number(_) => Ok(args[0].clone()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map(number)
            .map_err(|_| format!("tonumber: {s:?} is not a number")),
        other => Err(format!("tonumber: {other} is not a number")),
    }
}

fn keys(args: FuncArgs) -> Res {
    let m = map_arg(&args[0], "keys")?;
    Ok(Value::Array(m.keys().cloned().map(Value::String).collect()))
}

fn values(args: FuncArgs) -> Res {
    let m = map_arg(&args[0], "values")?;
    Ok(Value::Array(m.values().cloned().collect()))
}

fn join(args: FuncArgs) -> Res {
    let sep = str_arg(&args[0], "join")?;
    let parts = list_arg(&args[1], "join")?
        .iter()
        .map(|v| str_arg(v, "join"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Value::String(parts.join(&sep)))
}

fn split(args: FuncArgs) -> Res {
    let (sep, s) = (str_arg(&args[0], "split")?, str_arg(&args[1], "split")?);
    Ok(Value::Array(
        s.split(sep.as_str()).map(Value::from).collect(),
    ))
}

/// A pattern as Terraform writes it (RE2 syntax, which `regex` follows).
fn pattern(p: &str, f: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(p).map_err(|e| format!("{f}: {p:?}: {e}"))
}

/// `replace`: a substring, or a regular expression written `/…/`.
fn replace(args: FuncArgs) -> Res {
    let s = str_arg(&args[0], "replace")?;
    let from = str_arg(&args[1], "replace")?;
    let to = str_arg(&args[2], "replace")?;
    match from.strip_prefix('/').and_then(|f| f.strip_suffix('/')) {
        Some(re) if from.len() > 1 => Ok(Value::String(
            pattern(re, "replace")?
                .replace_all(&s, to.as_str())
                .into_owned(),
        )),
        _ => Ok(Value::String(s.replace(&from, &to))),
    }
}

/// One match's value as `regex` gives it: the match without groups, the
/// groups' list, or their map when all are named.
fn captured(re: &regex::Regex, c: &regex::Captures<'_>) -> Value {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let text = |i: usize| c.get(i).map_or(Value::Null, |m| Value::from(m.as_str()));
    if names.is_empty() {
        return text(0);
    }
    if names.iter().all(Option::is_some) {
        let m = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.unwrap_or_default().to_string(), text(i + 1)))
            .collect();
        return Value::Object(m);
    }
    Value::Array((1..=names.len()).map(text).collect())
}

/// `regex(pattern, string)`: the first match; an error if none.
fn regex_fn(args: FuncArgs) -> Res {
    let re = pattern(&str_arg(&args[0], "regex")?, "regex")?;
    let s = str_arg(&args[1], "regex")?;
    let c = re
        .captures(&s)
        .ok_or_else(|| "regex: no match".to_string())?;
    Ok(captured(&re, &c))
}

/// `regexall(pattern, string)`: every match.
fn regexall(args: FuncArgs) -> Res {
    let re = pattern(&str_arg(&args[0], "regexall")?, "regexall")?;
    let s = str_arg(&args[1], "regexall")?;
    Ok(Value::Array(
        re.captures_iter(&s).map(|c| captured(&re, &c)).collect(),
    ))
}

/// Packer's `regex_replace(string, pattern, replacement)`.
fn regex_replace(args: FuncArgs) -> Res {
    let s = str_arg(&args[0], "regex_replace")?;
    let re = pattern(&str_arg(&args[1], "regex_replace")?, "regex_replace")?;
    Ok(Value::String(
        re.replace_all(&s, str_arg(&args[2], "regex_replace")?.as_str())
            .into_owned(),
    ))
}

fn on_str(args: &FuncArgs, f: &str, op: impl Fn(&str) -> String) -> Res {
    Ok(Value::String(op(&str_arg(&args[0], f)?)))
}

fn lower(args: FuncArgs) -> Res {
    on_str(&args, "lower", str::to_lowercase)
}

fn upper(args: FuncArgs) -> Res {
    on_str(&args, "upper", str::to_uppercase)
}

fn trimspace(args: FuncArgs) -> Res {
    on_str(&args, "trimspace", |s| s.trim().to_string())
}

fn trimprefix(args: FuncArgs) -> Res {
    let p = str_arg(&args[1], "trimprefix")?;
    on_str(&args, "trimprefix", |s| {
        s.strip_prefix(p.as_str()).unwrap_or(s).to_string()
    })
}

fn trimsuffix(args: FuncArgs) -> Res {
    let p = str_arg(&args[1], "trimsuffix")?;
    on_str(&args, "trimsuffix", |s| {
        s.strip_suffix(p.as_str()).unwrap_or(s).to_string()
    })
}

fn element(args: FuncArgs) -> Res {
    let list = list_arg(&args[0], "element")?;
    let i = args[1]
        .as_u64()
        .ok_or("element: the index is not a whole number")?;
    if list.is_empty() {
        return Err("element: an empty list".into());
    }
    Ok(list[i as usize % list.len()].clone())
}

fn flatten(args: FuncArgs) -> Res {
    fn go(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(a) => a.iter().for_each(|x| go(x, out)),
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    go(
        &Value::Array(list_arg(&args[0], "flatten")?.clone()),
        &mut out,
    );
    Ok(Value::Array(out))
}

fn distinct(args: FuncArgs) -> Res {
    let mut out: Vec<Value> = Vec::new();
    for v in list_arg(&args[0], "distinct")? {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    Ok(Value::Array(out))
}

fn contains(args: FuncArgs) -> Res {
    Ok(Value::Bool(
        list_arg(&args[0], "contains")?.contains(&args[1]),
    ))
}

fn compact(args: FuncArgs) -> Res {
    let list = list_arg(&args[0], "compact")?;
    Ok(Value::Array(
        list.iter().filter(|v| !empty(v)).cloned().collect(),
    ))
}

fn zipmap(args: FuncArgs) -> Res {
    let (k, v) = (list_arg(&args[0], "zipmap")?, list_arg(&args[1], "zipmap")?);
    let mut out = hcl::Map::new();
    for (k, v) in k.iter().zip(v) {
        out.insert(str_arg(k, "zipmap")?, v.clone());
    }
    Ok(Value::Object(out))
}

fn one(args: FuncArgs) -> Res {
    match list_arg(&args[0], "one")?.as_slice() {
        [] => Ok(Value::Null),
        [x] => Ok(x.clone()),
        _ => Err("one: more than one element".into()),
    }
}

/// A file a configuration reads, relative to the root module's directory.
fn read(path: &str) -> Result<String, String> {
    let p = ROOT.with(|r| r.borrow().join(path));
    crate::scenario::read_input(&p, 16 << 20).map_err(|e| format!("{}: {e}", p.display()))
}

fn file(args: FuncArgs) -> Res {
    Ok(Value::String(read(&str_arg(&args[0], "file")?)?))
}

fn templatefile(args: FuncArgs) -> Res {
    use hcl::eval::Evaluate;
    let text = read(&str_arg(&args[0], "templatefile")?)?;
    let template: hcl::Template = text.parse().map_err(|e| format!("templatefile: {e}"))?;
    let mut ctx = Context::new();
    declare(&mut ctx);
    for (k, v) in map_arg(&args[1], "templatefile")? {
        ctx.declare_var(k.as_str(), v.clone());
    }
    template
        .evaluate(&ctx)
        .map(Value::String)
        .map_err(|e| format!("templatefile: {e}"))
}

/// JSON; `yamlencode` too: JSON is YAML, and every reader of a component
/// document reads it as YAML.
fn jsonencode(args: FuncArgs) -> Res {
    serde_json::to_string(&args[0])
        .map(Value::String)
        .map_err(|e| e.to_string())
}

fn jsondecode(args: FuncArgs) -> Res {
    serde_json::from_str(&str_arg(&args[0], "jsondecode")?).map_err(|e| format!("jsondecode: {e}"))
}

#[cfg(test)]
mod tests {
    use super::super::{base_context, eval};

    fn value(expr: &str) -> Result<hcl::Value, String> {
        eval(&expr.parse::<hcl::Expression>().unwrap(), &base_context())
    }

    #[test]
    fn functions_evaluate_as_terraform_documents_them() {
        let s = |v: &str| hcl::Value::from(v);
        assert_eq!(
            value(r#"replace("golden.al2023-v1", "/[^a-z0-9-]/", "-")"#),
            Ok(s("golden-al2023-v1"))
        );
        assert_eq!(value(r#"replace("a.b", ".", "_")"#), Ok(s("a_b")));
        assert_eq!(value(r#"regex("[a-z]+", "53ab")"#), Ok(s("ab")));
        let groups = value(r#"regex("(\\d+)\\.(\\d+)", "v2.14")"#).unwrap();
        assert_eq!(groups, hcl::Value::from(vec!["2", "14"]));
        let named = value(r#"regex("(?P<major>\\d+)", "v2")"#).unwrap();
        assert_eq!(
            named.as_object().and_then(|m| m.get("major")),
            Some(&s("2"))
        );
        assert_eq!(
            value(r#"length(regexall("[0-9]", "a1b2c3"))"#),
            Ok(hcl::Value::from(3u64))
        );
        assert_eq!(
            value(r#"regex_replace("2026-12-05", "-", "")"#),
            Ok(s("20261205"))
        );
        assert!(
            value(r#"regex("x", "abc")"#)
                .unwrap_err()
                .contains("no match")
        );
        assert_eq!(
            value(r#"coalesce(null, "", "m5.large")"#),
            Ok(s("m5.large"))
        );
        assert_eq!(value(r#"try(var.nope, "default")"#), Ok(s("default")));
        assert_eq!(value(r#"can(var.nope)"#), Ok(hcl::Value::Bool(false)));
        assert_eq!(
            value(r#"lookup({a = 1}, "b", 2)"#),
            Ok(hcl::Value::from(2u64))
        );
        assert_eq!(value(r#"format("%s-%d", "app", 7)"#), Ok(s("app-7")));
    }
}
