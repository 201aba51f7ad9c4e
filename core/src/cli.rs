//! The frame every `tg-*` binary shares: common flags, stderr logging, and `main`'s mapping from
//! errors to exit codes (a broken pipe on stdout is success).

use crate::error::exit_code_of;
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags every stage takes: the taskgraph root, the parameters file, and verbosity.
#[derive(clap::Args, Debug, Clone)]
pub struct CommonArgs {
    /// The taskgraph root directory (holds config.yml and kinds/).
    #[arg(short = 'r', long = "root", default_value = "taskcluster")]
    pub root: PathBuf,
    /// Parameters file (YAML or JSON); missing parameters get taskgraph's defaults.
    #[arg(short = 'p', long = "parameters")]
    pub parameters: Option<PathBuf>,
    /// More logging on stderr (repeat for more).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short = 'q', long = "quiet")]
    pub quiet: bool,
    /// Refuse parameters taskgraph's base schema does not define, as taskgraph's strict mode
    /// does. By default they are accepted, as `taskgraph full -p FILE` accepts them (a
    /// project's register hook adds its own).
    #[arg(long = "strict-parameters")]
    pub strict_parameters: bool,
}

impl CommonArgs {
    /// Whether unknown parameters are accepted: unless `--strict-parameters`, or when a stage's
    /// own `--allow-unknown-parameters` says so.
    pub fn allows_unknown_parameters(&self, allow_flag: bool) -> bool {
        allow_flag || !self.strict_parameters
    }

    /// The logger these flags ask for.
    pub fn log(&self, program: &'static str) -> Log {
        let level = if self.quiet { 0 } else { 1 + self.verbose };
        Log { program, level }
    }
}

/// Stderr logging with the binary's name as prefix. Level 0: errors only; 1: info; 2+: debug.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub program: &'static str,
    pub level: u8,
}

impl Log {
    /// A logger that prints info and above.
    pub fn new(program: &'static str) -> Self {
        Log { program, level: 1 }
    }
    /// A logger that prints nothing but errors.
    pub fn quiet(program: &'static str) -> Self {
        Log { program, level: 0 }
    }
    pub fn info(&self, msg: impl AsRef<str>) {
        if self.level >= 1 {
            eprintln!("{}: {}", self.program, msg.as_ref());
        }
    }
    pub fn warn(&self, msg: impl AsRef<str>) {
        if self.level >= 1 {
            eprintln!("{}: warning: {}", self.program, msg.as_ref());
        }
    }
    pub fn debug(&self, msg: impl AsRef<str>) {
        if self.level >= 2 {
            eprintln!("{}: {}", self.program, msg.as_ref());
        }
    }
    pub fn is_debug(&self) -> bool {
        self.level >= 2
    }
}

/// Run a binary's body and turn its result into the process exit code, printing the error
/// (with its context chain) on stderr as `<program>: error: ...`.
pub fn main_with(program: &str, body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = exit_code_of(&err);
            if code != 0 {
                eprintln!("{program}: error: {}", render_chain(&err));
            }
            ExitCode::from(code)
        }
    }
}

/// `outer: inner: innermost`, without repeating a message that already contains the next one.
pub fn render_chain(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let msg = cause.to_string();
        if out.contains(&msg) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&msg);
    }
    out
}

/// What every stage reads before its input: the graph config and the resolved parameters.
#[derive(Debug, Clone)]
pub struct StageContext {
    pub graph_config: crate::config::GraphConfig,
    pub parameters: crate::params::Parameters,
}

impl StageContext {
    /// Load `ROOT/config.yml` and the parameters named by the common flags.
    pub fn load(args: &CommonArgs, allow_unknown_parameters: bool) -> anyhow::Result<StageContext> {
        let graph_config = crate::config::GraphConfig::load(&args.root)?;
        let allow_unknown = args.allows_unknown_parameters(allow_unknown_parameters);
        let opts = crate::params::LoadOptions { allow_unknown, now: None };
        let parameters = crate::params::Parameters::load(args.parameters.as_deref(), &graph_config.vcs_root(), &opts)?;
        Ok(StageContext { graph_config, parameters })
    }
}

/// `TG_COMPLETIONS=<shell> tg-x` prints tg-x's shell completion script (bash, zsh, fish,
/// elvish, powershell) and exits: what `cargo xtask completions` collects. Every binary calls
/// this first with its clap definition.
pub fn print_completions_if_asked<C: clap::CommandFactory>(program: &str) -> Option<ExitCode> {
    let shell = std::env::var("TG_COMPLETIONS").ok()?;
    let Ok(shell) = shell.parse::<clap_complete::Shell>() else {
        eprintln!("{program}: error: TG_COMPLETIONS={shell}: unknown shell (bash, zsh, fish, elvish, powershell)");
        return Some(ExitCode::from(crate::error::EXIT_USAGE));
    };
    clap_complete::generate(shell, &mut C::command(), program, &mut std::io::stdout());
    Some(ExitCode::SUCCESS)
}
