//! The oldest engine the built app runs on (issue 21), checked on every
//! `cargo xtask build`: the wasm features each built module uses (as
//! binaryen's `wasm-opt --detect-features` lists them) and the JavaScript
//! syntax of each shipped script (parsed by acorn at [`ECMA_VERSION`]) must
//! stay within the floor docs/operations.md declares, so that a toolchain or
//! dependency update cannot quietly raise it.
//!
//! The floor is Chromium / Android WebView 80, Safari / iOS 15 and Firefox
//! 79: the wasm's bulk memory (Chromium 75, Firefox 79, Safari 15) and
//! non-trapping float-to-int (Safari 15), and the scripts' ES2020 (optional
//! chaining in wasm-bindgen's glue: Chromium 80) are the newest things the
//! app needs. The standard library's reference types and multi-value are
//! lowered at link time (`xtask/wasm-link`, which validates against the
//! same features), and the loader's top-level `await` is rewritten
//! (`precache::without_top_level_await`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The wasm features allowed, as `wasm-opt --print-features` names them
/// (`bulk-memory-opt` is the part of bulk memory LLVM names apart); the
/// same list as `xtask/wasm-link`'s.
pub const WASM_FEATURES: [&str; 5] = [
    "mutable-globals",
    "nontrapping-float-to-int",
    "bulk-memory",
    "bulk-memory-opt",
    "sign-ext",
];

/// The newest JavaScript syntax allowed: ES2020 (wasm-bindgen's glue uses
/// optional chaining).
pub const ECMA_VERSION: u32 = 2020;

/// Checks every `.wasm` and `.js` under `dist`.
pub fn check(root: &Path) -> Result<()> {
    let dist = root.join("dist");
    let mut wasm = Vec::new();
    let mut js = Vec::new();
    files(&dist, &mut |path| match path.extension().and_then(|e| e.to_str()) {
        Some("wasm") => wasm.push(path.to_path_buf()),
        Some("js") => js.push(path.to_path_buf()),
        _ => {}
    })?;
    if wasm.is_empty() {
        return Err(Error::Setup(format!("no .wasm under {}: build first", dist.display())));
    }
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    for module in &wasm {
        let out = Command::new(&wasm_opt)
            .arg("--detect-features")
            .arg("--print-features")
            .arg(module)
            .args(["-o", "/dev/null"])
            .output()
            .map_err(|e| Error::Setup(format!("cannot run {}: {e}", wasm_opt.display())))?;
        let mut beyond = beyond_floor(&String::from_utf8_lossy(&out.stdout));
        let bytes = fs::read(module).map_err(|e| Error::io(module, e))?;
        let i64s = i64_at_boundary(&bytes).map_err(|e| Error::Setup(format!("{}: {e}", module.display())))?;
        if !i64s.is_empty() {
            beyond.push(format!(
                "i64 between wasm and JavaScript (BigInt integration, Chromium 85) in {}",
                i64s.join(", ")
            ));
        }
        if !out.status.success() || !beyond.is_empty() {
            return Err(Error::Setup(format!(
                "{} uses wasm features beyond the declared engine floor (docs/operations.md, \"Which phones\"): {}",
                module.display(),
                if beyond.is_empty() {
                    "wasm-opt could not read it".to_owned()
                } else {
                    beyond.join(", ")
                }
            )));
        }
    }
    check_scripts(root, &js)?;
    println!(
        "ok engine floor: {} wasm modules within {} features and no i64 to or from JavaScript, {} scripts within ES{ECMA_VERSION}",
        wasm.len(),
        WASM_FEATURES.len(),
        js.len()
    );
    Ok(())
}

/// Parses each script with acorn (from the npm packages, package.json): a
/// script passes if it parses as a module or as a classic script at the
/// floor's version; the others are named.
fn check_scripts(root: &Path, js: &[PathBuf]) -> Result<()> {
    let parse = format!(
        "import * as acorn from 'acorn'; import fs from 'node:fs'; let bad = 0;
         for (const f of process.argv.slice(1)) {{
           const text = fs.readFileSync(f, 'utf8'); let error = null;
           for (const sourceType of ['module', 'script']) {{
             try {{ acorn.parse(text, {{ ecmaVersion: {ECMA_VERSION}, sourceType }}); error = null; break; }} catch (e) {{ error = error ?? e; }}
           }}
           if (error) {{ bad += 1; console.error(`${{f}}: ${{error.message}}`); }}
         }}
         process.exit(bad ? 1 : 0);"
    );
    let parsed = Command::new("node")
        .args(["--input-type=module", "-e", &parse])
        .args(js)
        .current_dir(root)
        .status()
        .map_err(|e| Error::Setup(format!("cannot run node: {e}")))?;
    if !parsed.success() {
        return Err(Error::Setup(format!(
            "scripts above use JavaScript newer than ES{ECMA_VERSION}, the declared engine floor (docs/operations.md, \"Which phones\")"
        )));
    }
    Ok(())
}

/// The features `wasm-opt --print-features` printed (`--enable-X` lines)
/// that the floor does not allow.
fn beyond_floor(printed: &str) -> Vec<String> {
    printed
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--enable-"))
        .filter(|f| !WASM_FEATURES.contains(f))
        .map(str::to_owned)
        .collect()
}

/// The imports and exports of the wasm module `bytes` whose function type
/// carries an i64: passing one to or from JavaScript needs the engine's
/// BigInt integration (Chromium 85, Safari 14.1), above the floor, and no
/// feature list names it.
fn i64_at_boundary(bytes: &[u8]) -> std::result::Result<Vec<String>, String> {
    use wasmparser::{CompositeInnerType, ExternalKind, Payload, TypeRef, ValType};
    let error = |e: wasmparser::BinaryReaderError| e.to_string();
    // For each type, and then each function (imported ones first): whether
    // it carries an i64.
    let mut types: Vec<bool> = Vec::new();
    let mut funcs: Vec<bool> = Vec::new();
    let mut found = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(error)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.map_err(error)?.into_types() {
                        let has = match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                f.params().iter().chain(f.results()).any(|t| *t == ValType::I64)
                            }
                            _ => false,
                        };
                        types.push(has);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(error)?;
                    if let TypeRef::Func(t) = import.ty {
                        let has = *types.get(t as usize).ok_or("a type index out of range")?;
                        funcs.push(has);
                        if has {
                            found.push(format!("import {}.{}", import.module, import.name));
                        }
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    funcs.push(
                        *types
                            .get(t.map_err(error)? as usize)
                            .ok_or("a type index out of range")?,
                    );
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(error)?;
                    if export.kind == ExternalKind::Func
                        && *funcs.get(export.index as usize).ok_or("an export of no function")?
                    {
                        found.push(format!("export {}", export.name));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

/// Calls `each` with every file under `dir`, recursively.
fn files(dir: &Path, each: &mut dyn FnMut(&Path)) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let path: PathBuf = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            files(&path, each)?;
        } else {
            each(&path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_beyond_the_floor_are_named_and_those_within_pass() {
        let shipped = "--enable-mutable-globals\n--enable-sign-ext\n--enable-bulk-memory\n--enable-bulk-memory-opt\n";
        assert!(beyond_floor(shipped).is_empty());
        // What the standard library brings unless the linker lowers it.
        let std = "--enable-sign-ext\n--enable-reference-types\n--enable-multivalue\n--enable-call-indirect-overlong\n";
        assert_eq!(
            beyond_floor(std),
            ["reference-types", "multivalue", "call-indirect-overlong"]
        );
    }

    /// A module importing `env.f: (i64) -> ()` and `env.g: (i32) -> ()`,
    /// defining `h: () -> (i64)` and exporting `g` and `h`.
    fn module_with_i64() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        // Types: (i64)->(), (i32)->(), ()->(i64).
        m.extend([1, 13, 3, 0x60, 1, 0x7e, 0, 0x60, 1, 0x7f, 0, 0x60, 0, 1, 0x7e]);
        // Imports: env.f type 0, env.g type 1.
        m.extend([
            2, 17, 2, 3, b'e', b'n', b'v', 1, b'f', 0, 0, 3, b'e', b'n', b'v', 1, b'g', 0, 1,
        ]);
        // One function of type 2.
        m.extend([3, 2, 1, 2]);
        // Exports: g (function 1), h (function 2).
        m.extend([7, 9, 2, 1, b'g', 0, 1, 1, b'h', 0, 2]);
        // The body: i64.const 0.
        m.extend([10, 6, 1, 4, 0, 0x42, 0, 0x0b]);
        m
    }

    #[test]
    fn i64_between_wasm_and_javascript_is_found() {
        assert_eq!(
            i64_at_boundary(&module_with_i64()).unwrap(),
            ["import env.f", "export h"]
        );
        // Cut anywhere, the module is an error, never a panic.
        let whole = module_with_i64();
        for end in 9..whole.len() {
            let _ = i64_at_boundary(&whole[..end]);
        }
        assert!(i64_at_boundary(b"not wasm").is_err());
    }

    #[test]
    fn a_script_newer_than_the_floor_is_refused() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the checkout");
        let dir = std::env::temp_dir().join(format!("kuaibao-floor-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("a temp dir");
        let within = dir.join("within.js");
        // Optional chaining and nullish coalescing: ES2020.
        fs::write(&within, "export const x = globalThis.a?.b ?? 0;\n").expect("write");
        let beyond = dir.join("beyond.js");
        // Top-level await: ES2022 (Trunk's loader, before it is rewritten).
        fs::write(&beyond, "await Promise.resolve(1);\n").expect("write");
        assert!(check_scripts(root, std::slice::from_ref(&within)).is_ok());
        assert!(check_scripts(root, &[within, beyond]).is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}
