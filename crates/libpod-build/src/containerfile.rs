//! A Containerfile as stages of steps, owned and checked: the syntax comes from
//! `parse-dockerfile` (continuations, the escape directive, here-documents, flags); what each
//! instruction means is read here. Variables are expanded when a step runs, since `ENV` and
//! `ARG` change them step by step.

use crate::error::{BuildError, Result};

/// A command in shell form (run by the stage's `SHELL`) or exec form (a JSON array).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandForm {
    /// `RUN echo hi`: one string for the shell.
    Shell(String),
    /// `RUN ["echo", "hi"]`.
    Exec(Vec<String>),
}

/// Where a `COPY` or `ADD` source comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopySource {
    /// A path (or glob) in the context or the `--from` stage or image.
    Path(String),
    /// A here-document's text (`COPY <<EOF /dest`), expanded unless its delimiter was quoted.
    Inline {
        /// The text.
        text: String,
        /// Whether variables in it are expanded.
        expand: bool,
    },
}

/// `COPY` or `ADD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    /// `ADD` (local tarballs are extracted).
    pub add: bool,
    /// Sources.
    pub sources: Vec<CopySource>,
    /// Destination (relative to the working directory when not absolute).
    pub dest: String,
    /// `--from=STAGE|IMAGE`.
    pub from: Option<String>,
    /// `--chown=USER[:GROUP]`.
    pub chown: Option<String>,
    /// `--chmod=MODE` (octal).
    pub chmod: Option<String>,
}

/// `HEALTHCHECK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Healthcheck {
    /// `HEALTHCHECK NONE`.
    None,
    /// `HEALTHCHECK [--interval=..] CMD ...`.
    Check {
        /// The command.
        command: CommandForm,
        /// `--interval`, `--timeout`, `--start-period`, `--retries` as written.
        options: Vec<(String, String)>,
    },
}

/// One instruction, its arguments unexpanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instruction {
    /// `RUN`, with its `--mount` and `--network` flags.
    Run {
        /// The command.
        command: CommandForm,
        /// `--network=`.
        network: Option<String>,
        /// `--mount=` values.
        mounts: Vec<String>,
    },
    /// `COPY` or `ADD`.
    Copy(Copy),
    /// `ENV` pairs.
    Env(String),
    /// `ARG` names with defaults.
    Arg(String),
    /// `LABEL` pairs.
    Label(String),
    /// `WORKDIR`.
    Workdir(String),
    /// `USER`.
    User(String),
    /// `CMD`.
    Cmd(CommandForm),
    /// `ENTRYPOINT`.
    Entrypoint(CommandForm),
    /// `EXPOSE` ports.
    Expose(Vec<String>),
    /// `VOLUME` paths.
    Volume(Vec<String>),
    /// `STOPSIGNAL`.
    StopSignal(String),
    /// `HEALTHCHECK`.
    Healthcheck(Healthcheck),
    /// `SHELL`.
    Shell(Vec<String>),
    /// `ONBUILD` (the trigger as written).
    Onbuild(String),
    /// `MAINTAINER`.
    Maintainer(String),
}

/// One step of a stage: an instruction with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Its line in the Containerfile (1-based).
    pub line: usize,
    /// The instruction as written (continuations joined), as podman prints it.
    pub text: String,
    /// What it says.
    pub instruction: Instruction,
}

/// A stage: `FROM` and the steps up to the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// Its position (0-based).
    pub index: usize,
    /// `AS name`.
    pub name: Option<String>,
    /// The base as written (an image, `scratch`, or an earlier stage).
    pub base: String,
    /// `--platform=`.
    pub platform: Option<String>,
    /// The `FROM` line, as written.
    pub from_text: String,
    /// Its line.
    pub line: usize,
    /// Its steps after `FROM`.
    pub steps: Vec<Step>,
}

/// A parsed Containerfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Containerfile {
    /// Its name, for messages.
    pub file: String,
    /// `ARG`s before the first `FROM` (usable in `FROM` lines), as written.
    pub global_args: Vec<String>,
    /// The stages.
    pub stages: Vec<Stage>,
    /// The escape character (`# escape=`).
    pub escape: char,
}

impl Containerfile {
    /// Parses `text` (named `file` in errors).
    ///
    /// ```
    /// let cf = libpod_build::Containerfile::parse("FROM busybox AS a\nRUN true\n", "Containerfile")?;
    /// assert_eq!(cf.stages[0].name.as_deref(), Some("a"));
    /// # Ok::<(), libpod_build::BuildError>(())
    /// ```
    pub fn parse(text: &str, file: &str) -> Result<Containerfile> {
        let d = parse_dockerfile::parse(text).map_err(|e| BuildError::Syntax {
            file: file.to_string(),
            line: e.line().max(1),
            message: e.to_string(),
        })?;
        let escape = d
            .parser_directives
            .escape
            .as_ref()
            .map_or('\\', |e| e.value.value);
        let line_of = |pos: usize| text[..pos.min(text.len())].matches('\n').count() + 1;
        let mut cf = Containerfile {
            file: file.to_string(),
            global_args: Vec::new(),
            stages: Vec::new(),
            escape,
        };
        for ins in &d.instructions {
            let (start, end) = span_of(ins);
            let line = line_of(start);
            let end = line_end(text, end.min(text.len()), escape);
            let written = joined(&text[start..end], escape);
            let bad = |reason: &str| BuildError::Instruction {
                file: file.to_string(),
                line,
                instruction: keyword(&written),
                reason: reason.to_string(),
            };
            if let parse_dockerfile::Instruction::From(f) = ins {
                let mut platform = None;
                for o in &f.options {
                    match o.name.value.as_ref() {
                        "platform" => platform = o.value.as_ref().map(|v| v.value.to_string()),
                        other => return Err(bad(&format!("unknown flag --{other}"))),
                    }
                }
                cf.stages.push(Stage {
                    index: cf.stages.len(),
                    name: f.as_.as_ref().map(|(_, n)| n.value.to_ascii_lowercase()),
                    base: f.image.value.to_string(),
                    platform,
                    from_text: written,
                    line,
                    steps: Vec::new(),
                });
                continue;
            }
            let instruction = convert(ins, escape).map_err(|r| bad(&r))?;
            match cf.stages.last_mut() {
                Some(stage) => stage.steps.push(Step {
                    line,
                    text: written,
                    instruction,
                }),
                None => match instruction {
                    Instruction::Arg(a) => cf.global_args.push(a),
                    _ => return Err(bad("only ARG may come before the first FROM")),
                },
            }
        }
        if cf.stages.is_empty() {
            return Err(BuildError::Syntax {
                file: file.to_string(),
                line: line_of(text.len()),
                message: "no FROM instruction: a Containerfile needs at least one stage".into(),
            });
        }
        Ok(cf)
    }

    /// The stage `name_or_index` names (`AS` names are case-insensitive).
    pub fn stage(&self, name_or_index: &str) -> Option<&Stage> {
        let lower = name_or_index.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| {
                name_or_index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| self.stages.get(i))
            })
    }
}

/// Where the logical line holding `from` ends: its newline that no continuation escapes
/// (a here-document's body comes after it).
fn line_end(text: &str, from: usize, escape: char) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let before = text[..i].trim_end_matches([' ', '\t', '\r']);
            if !before.ends_with(escape) {
                return i;
            }
        }
        i += 1;
    }
    text.len()
}

/// The first word of an instruction, upper-cased.
fn keyword(written: &str) -> String {
    written
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// The text with line continuations (the escape character before a newline) removed.
pub(crate) fn joined(text: &str, escape: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        if c == escape && matches!(it.peek(), Some('\n' | '\r')) {
            while matches!(it.peek(), Some('\n' | '\r')) {
                it.next();
            }
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

/// Where an instruction starts and ends in the text (its keyword to its last argument).
fn span_of(ins: &parse_dockerfile::Instruction<'_>) -> (usize, usize) {
    use parse_dockerfile::Instruction as I;
    let (k, e) = match ins {
        I::Add(i) => (i.add.span.start, i.dest.span.end),
        I::Arg(i) => (i.arg.span.start, i.arguments.span.end),
        I::Cmd(i) => (i.cmd.span.start, command_end(&i.arguments)),
        I::Copy(i) => (i.copy.span.start, i.dest.span.end),
        I::Entrypoint(i) => (i.entrypoint.span.start, command_end(&i.arguments)),
        I::Env(i) => (i.env.span.start, i.arguments.span.end),
        I::Expose(i) => (
            i.expose.span.start,
            i.arguments.last().map_or(i.expose.span.end, |a| a.span.end),
        ),
        I::From(i) => (
            i.from.span.start,
            i.as_.as_ref().map_or(i.image.span.end, |(_, n)| n.span.end),
        ),
        I::Healthcheck(i) => (
            i.healthcheck.span.start,
            match &i.arguments {
                parse_dockerfile::HealthcheckArguments::Cmd { arguments, .. } => {
                    command_end(arguments)
                }
                parse_dockerfile::HealthcheckArguments::None { none, .. } => none.span.end,
                _ => i.healthcheck.span.end,
            },
        ),
        I::Label(i) => (i.label.span.start, i.arguments.span.end),
        I::Maintainer(i) => (i.maintainer.span.start, i.name.span.end),
        I::Onbuild(i) => (i.onbuild.span.start, span_of(&i.instruction).1),
        I::Run(i) => (i.run.span.start, command_end(&i.arguments)),
        I::Shell(i) => (
            i.shell.span.start,
            i.arguments
                .last()
                .map_or(i.shell.span.end, |a| a.span.end + 1),
        ),
        I::Stopsignal(i) => (i.stopsignal.span.start, i.arguments.span.end),
        I::User(i) => (i.user.span.start, i.arguments.span.end),
        I::Volume(i) => (
            i.volume.span.start,
            match &i.arguments {
                parse_dockerfile::JsonOrStringArray::Json(j) => j.span.end,
                parse_dockerfile::JsonOrStringArray::String(v) => {
                    v.last().map_or(i.volume.span.end, |a| a.span.end)
                }
            },
        ),
        I::Workdir(i) => (i.workdir.span.start, i.arguments.span.end),
        _ => (0, 0),
    };
    (k, e.max(k))
}

fn command_end(c: &parse_dockerfile::Command<'_>) -> usize {
    match c {
        parse_dockerfile::Command::Exec(e) => e.span.end,
        parse_dockerfile::Command::Shell(s) => s.span.end,
        _ => 0,
    }
}

fn command(c: &parse_dockerfile::Command<'_>, escape: char) -> CommandForm {
    match c {
        parse_dockerfile::Command::Exec(e) => {
            CommandForm::Exec(e.value.iter().map(|s| s.value.to_string()).collect())
        }
        parse_dockerfile::Command::Shell(s) => CommandForm::Shell(joined(s.value, escape)),
        _ => CommandForm::Shell(String::new()),
    }
}

/// Our form of one parsed instruction (not `FROM`), or why it cannot be.
fn convert(
    ins: &parse_dockerfile::Instruction<'_>,
    escape: char,
) -> std::result::Result<Instruction, String> {
    use parse_dockerfile::Instruction as I;
    Ok(match ins {
        I::Run(r) => {
            let (mut network, mut mounts) = (None, Vec::new());
            for f in &r.options {
                let v = f
                    .value
                    .as_ref()
                    .map(|v| v.value.to_string())
                    .unwrap_or_default();
                match f.name.value.as_ref() {
                    "network" => network = Some(v),
                    "mount" => mounts.push(v),
                    other => return Err(format!("unknown flag --{other}")),
                }
            }
            let command = match r.here_docs.first() {
                // `RUN <<EOF`: the document is the script.
                Some(doc) if matches!(&r.arguments, parse_dockerfile::Command::Shell(s) if s.value.trim().starts_with("<<") || s.value.trim().is_empty()) => {
                    CommandForm::Shell(doc.value.to_string())
                }
                _ => command(&r.arguments, escape),
            };
            Instruction::Run {
                command,
                network,
                mounts,
            }
        }
        I::Copy(c) => Instruction::Copy(copy(false, &c.options, &c.src, &c.dest.value)?),
        I::Add(c) => Instruction::Copy(copy(true, &c.options, &c.src, &c.dest.value)?),
        I::Env(e) => Instruction::Env(e.arguments.value.to_string()),
        I::Arg(a) => Instruction::Arg(a.arguments.value.to_string()),
        I::Label(l) => Instruction::Label(l.arguments.value.to_string()),
        I::Workdir(w) => Instruction::Workdir(w.arguments.value.to_string()),
        I::User(u) => Instruction::User(u.arguments.value.to_string()),
        I::Cmd(c) => Instruction::Cmd(command(&c.arguments, escape)),
        I::Entrypoint(c) => Instruction::Entrypoint(command(&c.arguments, escape)),
        I::Expose(e) => {
            Instruction::Expose(e.arguments.iter().map(|a| a.value.to_string()).collect())
        }
        I::Volume(v) => Instruction::Volume(match &v.arguments {
            parse_dockerfile::JsonOrStringArray::Json(j) => {
                j.value.iter().map(|a| a.value.to_string()).collect()
            }
            parse_dockerfile::JsonOrStringArray::String(s) => {
                s.iter().map(|a| a.value.to_string()).collect()
            }
        }),
        I::Stopsignal(s) => Instruction::StopSignal(s.arguments.value.to_string()),
        I::Healthcheck(h) => Instruction::Healthcheck(match &h.arguments {
            parse_dockerfile::HealthcheckArguments::Cmd { arguments, .. } => Healthcheck::Check {
                command: command(arguments, escape),
                options: h
                    .options
                    .iter()
                    .map(|o| {
                        (
                            o.name.value.to_string(),
                            o.value
                                .as_ref()
                                .map(|v| v.value.to_string())
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
            },
            _ => Healthcheck::None,
        }),
        I::Shell(s) => {
            Instruction::Shell(s.arguments.iter().map(|a| a.value.to_string()).collect())
        }
        I::Onbuild(o) => Instruction::Onbuild(onbuild_text(&o.instruction, escape)?),
        I::Maintainer(m) => Instruction::Maintainer(m.name.value.to_string()),
        I::From(_) => return Err("FROM is a stage, not a step".into()),
        _ => return Err("unsupported instruction".into()),
    })
}

/// An `ONBUILD` trigger as text (what the image records).
fn onbuild_text(
    ins: &parse_dockerfile::Instruction<'_>,
    escape: char,
) -> std::result::Result<String, String> {
    Ok(match convert(ins, escape)? {
        Instruction::Run {
            command: CommandForm::Shell(s),
            ..
        } => format!("RUN {s}"),
        Instruction::Run {
            command: CommandForm::Exec(v),
            ..
        } => format!("RUN {}", serde_json::Value::from(v)),
        Instruction::Env(s) => format!("ENV {s}"),
        Instruction::Label(s) => format!("LABEL {s}"),
        Instruction::Workdir(s) => format!("WORKDIR {s}"),
        Instruction::User(s) => format!("USER {s}"),
        Instruction::Copy(c) => format!(
            "{} {} {}",
            if c.add { "ADD" } else { "COPY" },
            c.sources
                .iter()
                .filter_map(|s| match s {
                    CopySource::Path(p) => Some(p.as_str()),
                    CopySource::Inline { .. } => None,
                })
                .collect::<Vec<_>>()
                .join(" "),
            c.dest
        ),
        _ => return Err("ONBUILD takes RUN, COPY, ADD, ENV, LABEL, WORKDIR or USER here".into()),
    })
}

fn copy(
    add: bool,
    options: &[parse_dockerfile::Flag<'_>],
    src: &[parse_dockerfile::Source<'_>],
    dest: &str,
) -> std::result::Result<Copy, String> {
    let mut c = Copy {
        add,
        sources: Vec::new(),
        dest: dest.to_string(),
        from: None,
        chown: None,
        chmod: None,
    };
    for o in options {
        let v = o.value.as_ref().map(|v| v.value.to_string());
        match o.name.value.as_ref() {
            "from" if !add => c.from = v,
            "chown" => c.chown = v,
            "chmod" => c.chmod = v,
            // Accepted and not needed: every layer here is its own already.
            "link" | "checksum" | "keep-git-dir" => {}
            other => return Err(format!("unknown flag --{other}")),
        }
    }
    for s in src {
        c.sources.push(match s {
            parse_dockerfile::Source::Path(p) => CopySource::Path(p.value.to_string()),
            parse_dockerfile::Source::HereDoc(h) => CopySource::Inline {
                text: h.value.to_string(),
                expand: h.expand,
            },
            _ => return Err("an unknown kind of source".into()),
        });
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# escape=\\\nARG BASE=busybox\nFROM ${BASE} AS One\nENV A=1 B=\"two words\" \\\n    C=3\nRUN echo a \\\n  && echo b\nRUN <<EOF\necho heredoc\nEOF\nCOPY --chown=1:2 --from=one a* /d/\nCOPY <<EOT /f\nhello $A\nEOT\nHEALTHCHECK --interval=5s CMD [\"true\"]\nONBUILD RUN echo x\nFROM scratch\nCOPY --from=0 /x /x\n";

    #[test]
    fn stages_steps_and_lines() {
        let cf = Containerfile::parse(FILE, "Containerfile").expect("parses");
        assert_eq!(cf.global_args, ["BASE=busybox"]);
        assert_eq!(cf.stages.len(), 2);
        let s = &cf.stages[0];
        assert_eq!(
            (s.name.as_deref(), s.base.as_str(), s.line),
            (Some("one"), "${BASE}", 3)
        );
        assert_eq!(s.steps[0].text, "ENV A=1 B=\"two words\"     C=3");
        assert_eq!(s.steps[0].line, 4);
        assert_eq!(
            s.steps[1].instruction,
            Instruction::Run {
                command: CommandForm::Shell("echo a   && echo b".into()),
                network: None,
                mounts: vec![]
            }
        );
        assert!(
            matches!(&s.steps[2].instruction, Instruction::Run { command: CommandForm::Shell(c), .. } if c == "echo heredoc\n")
        );
        let Instruction::Copy(c) = &s.steps[3].instruction else {
            panic!("copy")
        };
        assert_eq!(
            (c.from.as_deref(), c.chown.as_deref(), c.dest.as_str()),
            (Some("one"), Some("1:2"), "/d/")
        );
        assert_eq!(
            s.steps[6].instruction,
            Instruction::Onbuild("RUN echo x".into())
        );
        assert_eq!(cf.stage("ONE").map(|s| s.index), Some(0));
        assert_eq!(cf.stage("1").map(|s| s.base.as_str()), Some("scratch"));
    }

    #[test]
    fn errors_name_the_file_line_and_instruction() {
        let e = Containerfile::parse("FROM busybox\nRUN true\nBOGUS x\n", "Dockerfile")
            .expect_err("bogus");
        assert!(e.to_string().starts_with("Dockerfile:3:"), "{e}");
        let e = Containerfile::parse("FROM busybox\nCOPY --bogus=1 a b\n", "Containerfile")
            .expect_err("flag");
        assert_eq!(e.to_string(), "Containerfile:2: COPY: unknown flag --bogus");
        let e = Containerfile::parse("RUN true\n", "C").expect_err("no from");
        assert!(e.to_string().starts_with("C:1: expected FROM"), "{e}");
        let e = Containerfile::parse("# just a comment\n", "C").expect_err("empty");
        assert!(
            e.to_string().starts_with("C:1: expected at least one FROM"),
            "{e}"
        );
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(s in "(FROM|RUN|COPY|ENV|ARG|ONBUILD|#|\\\\|<<EOF|\\n| |[a-z=\"'$\\{\\}])*") {
            let _ = Containerfile::parse(&s, "fuzz");
        }
    }
}
