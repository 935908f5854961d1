//! Short import and export names for the phone's wasm, a step of Trunk's
//! post_build hook (`precache`).
//!
//! wasm-bindgen names each of the module's 260-odd imports after its JS
//! function and a 16-hex-digit hash (`__wbg_body_5f971cbc6950ca4f`), and
//! both the wasm and its JS glue carry every name: random hex that brotli
//! cannot shrink, about 5 KB of the phone's first download. binaryen's
//! `--minify-imports-and-exports-and-modules` renames them all (one module,
//! names of a character or two) and prints what it renamed; this module
//! renames the same in the glue. Every name must be found exactly where
//! expected, or the build fails: a wasm-bindgen that writes its glue
//! differently stops here rather than at a worker's phone.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::error::{Error, Result};

/// What binaryen renamed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Renamed {
    /// `(module, name, new name)`; every import's module is now [`Renamed::module`].
    pub imports: Vec<(String, String, String)>,
    /// `(name, new name)`.
    pub exports: Vec<(String, String)>,
    /// The one module every import now comes from.
    pub module: String,
}

fn fail(msg: impl Into<String>) -> Error {
    Error::Precache(format!("short names: {}", msg.into()))
}

/// Shortens the names of the staged `<stem>_bg.wasm` and its glue
/// `<stem>.js` in `staging` (the page's digests are written afterwards,
/// by `integrity`).
pub fn run(root: &Path, staging: &Path, stem: &str) -> Result<()> {
    let wasm = staging.join(format!("{stem}_bg.wasm"));
    let glue = staging.join(format!("{stem}.js"));
    // Written beside, and over the wasm only once the glue matches it.
    let short = staging.join(format!("{stem}_bg.wasm.short"));
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let printed = crate::cmd::captured(
        Command::new(&wasm_opt)
            .arg(&wasm)
            .arg("--minify-imports-and-exports-and-modules")
            .arg("-o")
            .arg(&short),
    )?;
    let bytes = fs::read(&short).map_err(|e| Error::io(&short, e))?;
    let mut renamed = parse_map(&String::from_utf8_lossy(&printed))?;
    renamed.module = import_module(&bytes)?;
    let text = fs::read_to_string(&glue).map_err(|e| Error::io(&glue, e))?;
    let text = rewrite_glue(&text, &own_module(&renamed)?, &renamed)?;
    fs::write(&glue, &text).map_err(|e| Error::io(&glue, e))?;
    fs::rename(&short, &wasm).map_err(|e| Error::io(&wasm, e))?;
    println!(
        "short names: {} imports and {} exports of {stem}_bg.wasm renamed, its glue to match",
        renamed.imports.len(),
        renamed.exports.len()
    );
    Ok(())
}

/// Reads binaryen's list of renames: a line per name, `["module", "name",
/// "new"],` under `"imports"` and `["name", "new"],` under `"exports"` (its
/// trailing commas make it not quite JSON).
pub fn parse_map(printed: &str) -> Result<Renamed> {
    let mut renamed = Renamed::default();
    let mut section = "";
    for line in printed.lines().map(str::trim) {
        if line.starts_with("\"imports\"") || line.starts_with("\"exports\"") {
            section = if line.starts_with("\"imports\"") {
                "imports"
            } else {
                "exports"
            };
            continue;
        }
        let Some(inner) = line
            .strip_prefix("[\"")
            .and_then(|l| l.trim_end_matches(',').strip_suffix("\"]"))
        else {
            continue;
        };
        let parts: Vec<String> = inner.split("\", \"").map(str::to_owned).collect();
        match (section, parts.as_slice()) {
            ("imports", [module, name, new]) => renamed.imports.push((module.clone(), name.clone(), new.clone())),
            ("exports", [name, new]) => renamed.exports.push((name.clone(), new.clone())),
            _ => return Err(fail(format!("cannot read wasm-opt's line `{line}`"))),
        }
    }
    if renamed.imports.is_empty() {
        return Err(fail("wasm-opt renamed no imports"));
    }
    Ok(renamed)
}

/// The glue's own module, as wasm-bindgen named it before Trunk hashed the
/// file names (`./kuaibao_bg.js`): the one that is not a snippet.
fn own_module(renamed: &Renamed) -> Result<String> {
    let mut own: Vec<&str> = Vec::new();
    for (module, _, _) in &renamed.imports {
        if module.ends_with("_bg.js") && !module.contains("/snippets/") && !own.contains(&module.as_str()) {
            own.push(module);
        }
    }
    match own.as_slice() {
        [one] => Ok((*one).to_owned()),
        _ => Err(fail(format!("no one glue module among the imports: {own:?}"))),
    }
}

/// The one module the minified wasm imports from.
fn import_module(wasm: &[u8]) -> Result<String> {
    let mut modules: Vec<String> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| fail(format!("cannot read the wasm: {e}")))?;
        if let wasmparser::Payload::ImportSection(reader) = payload {
            for import in reader.into_imports() {
                let import = import.map_err(|e| fail(format!("cannot read an import: {e}")))?;
                if !modules.iter().any(|m| m == import.module) {
                    modules.push(import.module.to_owned());
                }
            }
        }
    }
    match modules.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(fail(format!("the wasm imports from {modules:?}, not one module"))),
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Where `token` occurs in `text` as a whole word (not inside a longer name).
fn find_words(text: &str, token: &str) -> Vec<usize> {
    text.match_indices(token)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = text[..at].chars().next_back().is_none_or(|c| !is_ident(c));
            let after = text[at + token.len()..].chars().next().is_none_or(|c| !is_ident(c));
            before && after
        })
        .collect()
}

/// Replaces in `text` each whole-word `from` that is followed by `then`
/// (and preceded by `lead`), exactly `expect` times if given.
fn replace_words(text: &str, lead: &str, from: &str, then: &str, to: &str, expect: Option<usize>) -> Result<String> {
    let hits: Vec<usize> = find_words(text, from)
        .into_iter()
        .filter(|&at| text[..at].ends_with(lead) && text[at + from.len()..].starts_with(then))
        .collect();
    if let Some(n) = expect {
        if hits.len() != n {
            return Err(fail(format!(
                "`{lead}{from}{then}` is in the glue {} times, not {n}",
                hits.len()
            )));
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in hits {
        out.push_str(&text[last..at]);
        out.push_str(to);
        last = at + from.len();
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// The glue `text` with the names `renamed` gave: each import of its own
/// module `own` is a key `name: function…` of the imports object, renamed
/// in place; the snippets' imports (`import * as importN from "module"`)
/// join that object under their new names; the object returned for the
/// wasm's imports is then the one module binaryen left; each export is
/// read as `wasm.name`.
pub fn rewrite_glue(text: &str, own: &str, renamed: &Renamed) -> Result<String> {
    let mut text = text.to_owned();
    let mut snippets = Vec::new();
    for (module, name, new) in &renamed.imports {
        if module == own {
            text = replace_words(&text, " ", name, ": ", new, Some(1))?;
        } else {
            let marker = format!(" from \"{module}\"");
            let line = text
                .lines()
                .find(|l| l.starts_with("import * as ") && l.trim_end().trim_end_matches(';').ends_with(&marker))
                .ok_or_else(|| fail(format!("the glue does not import {module} whole")))?;
            let alias = line["import * as ".len()..].split(' ').next().unwrap_or_default();
            snippets.push(format!("{new}: {alias}.{name}"));
        }
    }
    // The object the glue hands to the wasm: `return { __proto__: null,
    // "module": importN, … };`, all its modules now one.
    let head = format!("\"{own}\": import0,");
    let at = text
        .find(&head)
        .ok_or_else(|| fail(format!("the glue has no `{head}`")))?;
    let start = text[..at]
        .rfind("return {")
        .ok_or_else(|| fail("the glue's imports object is not returned"))?;
    let end = at
        + text[at..]
            .find("};")
            .ok_or_else(|| fail("the glue's imports object is not closed"))?
        + 2;
    let returned = format!(
        "return {{ __proto__: null, \"{}\": Object.assign(import0, {{ {} }}) }};",
        renamed.module,
        snippets.join(", ")
    );
    text.replace_range(start..end, &returned);
    for (name, new) in &renamed.exports {
        text = replace_words(&text, "wasm.", name, "", new, None)?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = r#"{
 "imports": [
  ["./app_bg.js", "__wbg_body_5f971cbc6950ca4f", "$"],
  ["./app_bg.js", "__wbindgen_object_drop_ref", "a"],
  ["./snippets/app-1/src/voice.js", "voiceSupported", "W"],
 ],
"exports": [
  ["memory", "b"],
  ["__wbindgen_malloc", "c"],
  ["invoke__h777c4dc3d683e807", "d"],
  ["invoke__h777c4dc3d683e807_17", "e"],
 ]
}
"#;

    const GLUE: &str = r#"import { startVoice } from './snippets/app-1/src/voice.js';
import * as import1 from "./snippets/app-1/src/voice.js"
function f(a) { return passStringToWasm0(a, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc); }
function g() { wasm.invoke__h777c4dc3d683e807(1); wasm.invoke__h777c4dc3d683e807_17(2); return wasm.memory.buffer; }
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_body_5f971cbc6950ca4f: function(arg0) {
            return getObject(arg0).body;
        },
        __wbindgen_object_drop_ref: function(arg0) {
            takeObject(arg0);
        },
    };
    return {
        __proto__: null,
        "./app_bg.js": import0,
        "./snippets/app-1/src/voice.js": import1,
    };
}
"#;

    fn renamed() -> Renamed {
        let mut r = parse_map(MAP).unwrap();
        r.module = "a".to_owned();
        r
    }

    #[test]
    fn the_glues_own_module_is_the_one_not_a_snippet() {
        assert_eq!(own_module(&renamed()).unwrap(), "./app_bg.js");
    }

    #[test]
    fn binaryens_list_is_read_with_its_trailing_commas() {
        let r = parse_map(MAP).unwrap();
        assert_eq!(r.imports.len(), 3);
        assert_eq!(
            r.imports[2],
            (
                "./snippets/app-1/src/voice.js".into(),
                "voiceSupported".into(),
                "W".into()
            )
        );
        assert_eq!(r.exports[3], ("invoke__h777c4dc3d683e807_17".into(), "e".into()));
        assert!(
            parse_map("{\n \"imports\": [\n ],\n\"exports\": [\n ]\n}\n").is_err(),
            "nothing renamed is a failure"
        );
        assert!(
            parse_map("{\n \"imports\": [\n  [\"a\", \"b\"],\n ]\n}\n").is_err(),
            "an import line of two names"
        );
    }

    #[test]
    fn the_glue_gets_the_same_names() {
        let out = rewrite_glue(GLUE, "./app_bg.js", &renamed()).unwrap();
        assert!(
            out.contains("        $: function(arg0) {\n            return getObject(arg0).body;"),
            "{out}"
        );
        assert!(
            out.contains("        a: function(arg0) {\n            takeObject(arg0);"),
            "{out}"
        );
        assert!(
            out.contains(r#"return { __proto__: null, "a": Object.assign(import0, { W: import1.voiceSupported }) };"#),
            "{out}"
        );
        assert!(!out.contains("\"./app_bg.js\""), "{out}");
        // Exports: whole names only, `_17` apart from its prefix; what
        // binaryen did not rename (realloc, removed before) stays.
        assert!(out.contains("wasm.c, wasm.__wbindgen_realloc"), "{out}");
        assert!(out.contains("wasm.d(1); wasm.e(2); return wasm.b.buffer;"), "{out}");
        assert!(
            out.contains("import { startVoice } from './snippets/app-1/src/voice.js';"),
            "the glue's own imports stay"
        );
    }

    #[test]
    fn a_glue_written_otherwise_fails_the_build() {
        let twice = GLUE.replace(
            "        __proto__: null,\n        __wbg",
            "        __proto__: null,\n        __wbg_body_5f971cbc6950ca4f: 1,\n        __wbg",
        );
        assert!(rewrite_glue(&twice, "./app_bg.js", &renamed()).is_err(), "a key twice");
        let missing = GLUE.replace("__wbindgen_object_drop_ref: function", "dropRef: function");
        assert!(
            rewrite_glue(&missing, "./app_bg.js", &renamed()).is_err(),
            "a key missing"
        );
        let named = GLUE.replace("import * as import1 from", "import { voiceSupported } from");
        assert!(
            rewrite_glue(&named, "./app_bg.js", &renamed()).is_err(),
            "a snippet not imported whole"
        );
        let unreturned = GLUE.replace("\"./app_bg.js\": import0,", "app: import0,");
        assert!(
            rewrite_glue(&unreturned, "./app_bg.js", &renamed()).is_err(),
            "the imports object written otherwise"
        );
    }
}
