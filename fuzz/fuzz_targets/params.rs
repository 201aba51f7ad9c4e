//! Parameters (`tg_core::params`): a YAML or JSON parameters file as `Parameters::load` reads
//! it (minus the git-derived defaults), then validation, `parameters.yml` output and
//! `file_url`. Validation either accepts or names the parameter; it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tg_core::params::Parameters;

fuzz_target!(|data: &[u8]| {
    let Some(text) = tg_fuzz::text(data) else { return };
    let parsed = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Value>(text).map_err(|e| e.to_string())
    } else {
        tg_core::yaml::from_str(text, "params.yml").map_err(|e| e.to_string())
    };
    let Ok(Value::Object(map)) = parsed else { return };
    let params = Parameters::from_map(map);
    let strict = params.check(false);
    let lenient = params.check(true);
    if strict.is_ok() {
        assert!(lenient.is_ok(), "allowing unknown parameters rejected a valid set");
    }
    if lenient.is_ok() {
        let yaml = params.to_yaml();
        // What the decision task writes must load back as exactly the same parameters.
        let back = tg_core::yaml::from_str(&yaml, "parameters.yml").expect("our parameters.yml parses");
        assert_eq!(back, Value::Object(params.values.clone()), "parameters.yml reads back differently:\n{yaml}");
    }
    for pretty in [false, true] {
        let _ = params.file_url("taskcluster/kinds/build/kind.yml", pretty);
        let _ = params.file_url("comm/mail/config.yml", pretty);
    }
    let _ = tg_core::params::repo_name_from_url(params.str("head_repository"));
});
