//! The crate's modules import each other in one direction only (the layers
//! named in src/lib.rs): this reads the sources and fails on any import cycle,
//! such as the one `activation` and `derive` once had.

use std::collections::BTreeMap;
use std::path::Path;

/// Module name -> the crate modules its source names through `crate::`.
fn imports() -> BTreeMap<String, Vec<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let (name, file) = if path.is_dir() {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            (name, path.join("mod.rs"))
        } else {
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            (name, path)
        };
        if name == "lib" {
            continue;
        }
        // Code only: doc links may point up the layers, imports may not.
        let code: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut used: Vec<String> = code
            .split("crate::")
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .filter(|m| !m.is_empty() && *m != name && m.chars().all(|c| !c.is_uppercase()))
            .collect();
        used.sort();
        used.dedup();
        graph.insert(name, used);
    }
    graph
}

/// A cycle through `from`, if the graph has one.
fn cycle(
    graph: &BTreeMap<String, Vec<String>>,
    path: &mut Vec<String>,
    from: &str,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|m| m == from) {
        let mut found = path[start..].to_vec();
        found.push(from.to_owned());
        return Some(found);
    }
    path.push(from.to_owned());
    for next in graph.get(from).into_iter().flatten() {
        if let Some(found) = cycle(graph, path, next) {
            return Some(found);
        }
    }
    path.pop();
    None
}

#[test]
fn modules_import_each_other_in_one_direction_only() {
    let graph = imports();
    assert!(graph.contains_key("activation") && graph.contains_key("derive"));
    for module in graph.keys() {
        if let Some(found) = cycle(&graph, &mut Vec::new(), module) {
            panic!("import cycle: {}", found.join(" -> "));
        }
    }
}

#[test]
fn the_secret_value_imports_no_other_module() {
    assert_eq!(imports()["secret"], Vec::<String>::new());
}
