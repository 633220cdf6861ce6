//! The "Write your own stage" walk-through of docs/extending.md, kept honest:
//! its code is `examples/stage/sentences.rs` verbatim, and that stage,
//! registered beside the built-in ones as the doc's one line registers it
//! and given its own option, is run on the rayon pool, timed in the table
//! and reported in the JSON like the built-in stages, with nothing else
//! changed. (The same file is also compiled inside the crate, as
//! `src/stages/` would hold it: see the unit test
//! `stages::tests::the_example_stage_registers_with_its_option`, and the
//! command line's `processing::tests`, which make a flag of its option.)

mod common;

#[path = "../examples/stage/sentences.rs"]
mod sentences;

use common::*;
use gutenpipe::fetch::{FetchConfig, Fetcher};
use gutenpipe::pipeline::{Pipeline, PipelineConfig};
use gutenpipe::record::Mode;
use gutenpipe::report::table;
use gutenpipe::stages::{self, OptionValue, Options, SharedStage};
use gutenpipe::store::Store;

const GUIDE: &str = include_str!("../docs/extending.md");
const EXAMPLE: &str = include_str!("../examples/stage/sentences.rs");

#[test]
fn the_doc_shows_the_example_file_verbatim_and_its_registry_line() {
    let section = GUIDE
        .split("## Write your own stage")
        .nth(1)
        .expect("docs/extending.md has a `Write your own stage` section");
    assert!(
        section.contains(&format!("```rust\n{EXAMPLE}```")),
        "the example in docs/extending.md differs from examples/stage/sentences.rs"
    );
    assert!(section.contains("    sentences,\n}"), "the registry line");
    assert!(section.contains("--stages clean,sentences --long-sentence 30"));
}

#[test]
fn the_example_stage_runs_and_reports_like_a_built_in_one() {
    let corpus = TestCorpus::new(6, 17);
    let mirror = mirror(corpus.path());
    let out = tempfile::tempdir().unwrap();
    let mut specs = stages::registry();
    specs.push(sentences::SPEC); // what the doc's registry line does
    let mut options = Options::defaults(stages::declared_options(&specs).iter());
    options.set("long-sentence", OptionValue::Count(25));
    let names = ["clean".to_string(), "sentences".to_string()];
    let chosen: Vec<SharedStage> = stages::select_from(&specs, &names, &options).unwrap();
    let config = PipelineConfig {
        download_workers: 3,
        save_workers: 2,
        cpu_workers: 2,
        stages: chosen,
        emit: Default::default(),
        in_flight: gutenpipe::pipeline::DEFAULT_IN_FLIGHT,
        batch: gutenpipe::pipeline::DEFAULT_BATCH,
        keep_spans: false,
    };
    let base = mirror.base_url();
    let fetcher = Fetcher::new(FetchConfig::default(), Some(&base));
    let store = Store::open(out.path(), false).unwrap();
    let requests = corpus.requests();
    let pipeline = Pipeline {
        fetcher: &fetcher,
        store: &store,
        config: &config,
    };
    let run = pipeline.run(Mode::Staged, &requests).unwrap();

    let stage = run.stage("sentences").expect("timed like any stage");
    assert_eq!((stage.pool.as_str(), stage.items), ("rayon", 6));
    let (mut total, mut long) = (0, 0);
    let books = run.books.to_vec().unwrap();
    for book in &books {
        let result = &book.results["sentences"];
        let n = result["sentences"].as_u64().unwrap();
        assert!(n > 0 && result["longest"].as_u64().unwrap() > 0, "{result}");
        total += n;
        long += result["long"].as_u64().unwrap();
    }
    assert_eq!(run.corpus["sentences"]["sentences"], total);
    assert_eq!(run.corpus["sentences"]["long"], long);
    // The option reached the stage: longer than 25 words, not the default 40.
    assert!(
        long > 0,
        "synthetic prose has sentences of more than 25 words"
    );
    assert_eq!(
        run.headlines,
        [format!(
            "sentences: {total}, {long} of them longer than 25 words"
        )]
    );
    let longest = books
        .iter()
        .map(|b| b.results["sentences"]["longest"].as_u64().unwrap());
    assert_eq!(run.corpus["sentences"]["longest"], longest.max().unwrap());

    let text = table::render_runs(std::slice::from_ref(&run));
    assert!(
        text.lines()
            .any(|l| l.starts_with("sentences ") && l.contains("rayon")),
        "{text}"
    );
    assert!(text.contains(&run.headlines[0]), "{text}");
    let json = serde_json::to_value(&run).unwrap();
    assert_eq!(json["corpus"]["sentences"]["sentences"], total);
}
