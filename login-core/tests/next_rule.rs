//! Property test of the `next` rule: no accepted value leads to another origin.

use login_core::{
    internal::{choose_next, location_value},
    is_safe_next,
};
use proptest::prelude::*;
use url::Url;

fn resolves_same_origin(location: &str) -> bool {
    let base = Url::parse("https://app.example/login?next=x").expect("valid base");
    match base.join(location) {
        Ok(url) => url.scheme() == "https" && url.host_str() == Some("app.example") && url.port().is_none(),
        // A value the URL parser refuses is not followed by a browser either.
        Err(_) => true,
    }
}

fn tricky() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "/",
        "//",
        "\\",
        "/\\",
        "%2F",
        "%5C",
        "http:",
        "https://",
        "evil.example",
        "@",
        ":",
        "?",
        "#",
        "\t",
        "\r\n",
        "\0",
        "\u{7f}",
        " ",
        "..",
        ".",
        "%",
        "\u{3002}",
        "\u{ff0f}",
        "javascript:",
        "a",
    ]);
    prop::collection::vec(pieces, 0..8).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn accepted_values_stay_on_this_origin(s in prop_oneof![tricky(), any::<String>(), "/[ -~]{0,20}"]) {
        if is_safe_next(&s) {
            prop_assert!(resolves_same_origin(&s), "raw {s:?}");
            let loc = location_value(&s);
            prop_assert!(loc.is_ascii());
            prop_assert!(resolves_same_origin(&loc), "location {loc:?}");
        }
        let chosen = choose_next([Some(s.as_str())], "/");
        prop_assert!(resolves_same_origin(chosen));
    }
}
