//! A run of some phases (`--only`) rewrites only their part of `BENCHMARKS.md`: the
//! numbered sections and summary rows of the phases it did not run are kept from the page
//! as it was, so that the page always holds every phase's last figures.

/// The phase whose figures a summary row reports, from its first cell.
fn row_phase(row: &str) -> Option<&'static str> {
    let label = row.trim_start_matches('|').trim_start();
    [
        ("throughput", "http"),
        ("p99", "http"),
        ("demo-app `/status/`", "login"),
        ("FastAPI `/status/`", "login"),
        ("allocations", "alloc"),
        ("in-process CPU", "micro"),
        ("compile time", "compile"),
    ]
    .into_iter()
    .find(|(prefix, _)| label.starts_with(prefix))
    .map(|(_, phase)| phase)
}

/// The phase of a numbered section (`## 5. Compile time`), by its number.
fn section_phase(heading: &str) -> Option<&'static str> {
    let number = heading.strip_prefix("## ")?.split('.').next()?;
    match number {
        "1" | "2" => Some("http"),
        "3" => Some("login"),
        "4" => Some("alloc"),
        "5" => Some("compile"),
        "6" => Some("micro"),
        _ => None,
    }
}

/// `md` split into its `## ` sections (the text before the first one is a section with an
/// empty heading).
fn sections(md: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = vec![("", String::new())];
    for line in md.split_inclusive('\n') {
        if line.starts_with("## ") {
            out.push((line.trim_end(), String::new()));
        }
        if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
        }
    }
    out
}

/// The page `new` (from a run of the phases `ran`) with what it lacks of `old`: the
/// sections and summary rows of the other phases.
pub(crate) fn merge(new: &str, old: &str, ran: &[&str]) -> String {
    let kept = |phase: Option<&str>| phase.is_some_and(|phase| !ran.contains(&phase));
    let old = sections(old);
    let mut out = String::new();
    let mut pending = old
        .iter()
        .filter(|(heading, _)| kept(section_phase(heading)))
        .peekable();
    for (heading, text) in sections(new) {
        // The old sections that come before this one, by number.
        if heading.starts_with("## ") && section_phase(heading).is_some() {
            while let Some((_, old_text)) = pending.next_if(|(old, _)| *old < heading) {
                out.push_str(old_text);
            }
        } else if heading == "## Caveats" {
            for (_, old_text) in pending.by_ref() {
                out.push_str(old_text);
            }
        }
        if heading == "## Summary" {
            out.push_str(&summary(&text, &old, &kept));
        } else {
            out.push_str(&text);
        }
    }
    for (_, old_text) in pending {
        out.push_str(old_text);
    }
    out
}

/// The summary section `text` with the old summary's rows of the phases not run, at the
/// end of its table.
fn summary(text: &str, old: &[(&str, String)], kept: &dyn Fn(Option<&str>) -> bool) -> String {
    let old_rows: Vec<&str> = old
        .iter()
        .filter(|(heading, _)| *heading == "## Summary")
        .flat_map(|(_, text)| text.split_inclusive('\n'))
        .filter(|line| line.starts_with('|') && kept(row_phase(line)))
        .collect();
    let mut out = String::new();
    let mut lines = text.split_inclusive('\n').peekable();
    let mut in_table = false;
    while let Some(line) = lines.next() {
        out.push_str(line);
        in_table |= line.starts_with('|');
        let table_ends = lines.peek().is_none_or(|next| !next.starts_with('|'));
        if in_table && table_ends {
            old_rows.iter().for_each(|row| out.push_str(row));
            in_table = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::merge;

    const OLD: &str = "# Benchmarks\n\nold intro\n\n## Summary\n\n| goal | t |\n|---|---|\n\
        | throughput x | 1 |\n| compile time y | 2 |\n\n## 1. HTTP\n\nold http\n\n\
        ## 5. Compile time\n\nold compile\n\n## 6. Micro\n\nold micro\n\n## Caveats\n\nold caveats\n";

    #[test]
    fn a_partial_run_keeps_the_other_phases() {
        let new = "# Benchmarks\n\nnew intro\n\n## Summary\n\n| goal | t |\n|---|---|\n\
            | compile time y | 3 |\n\n## 5. Compile time\n\nnew compile\n\n## Caveats\n\nnew caveats\n";
        let merged = merge(new, OLD, &["compile"]);
        assert_eq!(
            merged,
            "# Benchmarks\n\nnew intro\n\n## Summary\n\n| goal | t |\n|---|---|\n\
             | compile time y | 3 |\n| throughput x | 1 |\n\n## 1. HTTP\n\nold http\n\n\
             ## 5. Compile time\n\nnew compile\n\n## 6. Micro\n\nold micro\n\n## Caveats\n\nnew caveats\n"
        );
    }

    #[test]
    fn a_full_run_keeps_nothing() {
        let all = ["http", "login", "alloc", "compile", "micro"];
        assert_eq!(
            merge("# B\n\n## Caveats\n\nc\n", OLD, &all),
            "# B\n\n## Caveats\n\nc\n"
        );
    }
}
