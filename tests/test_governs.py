"""`clausegraph governs`: which document and clause govern a question (DESIGN.md, "governs --json").

What is checked here, on the session's bundled-corpus store (conftest ``bundled_store``, read only):

- the JSON contract of ``governs --json``, and that it is ``kg.governs(...).model_dump()``;
- answers quote the graph exactly (read back by IRI with a bound variable);
- hostile questions (SPARQL-looking text, control characters, 1 MB, RTL and zero-width marks)
  give a result or one clean error line, through the API and the command line, and leave the store
  as it was; the question never reaches SPARQL, only the bound ``as_of`` does;
- bad context values are refused; questions the terms do not answer are abstained on;
- applicability: region, channel, as_of and role really exclude texts; unstated context gives
  "depends" with one alternative per value;
- the lemmatizer agrees with spaCy's own lookup pipeline on every word of the corpus;
- the lexicon file is well formed; ``eval governs`` prints and computes the right figures, and
  refuses malformed gold files with one line.

No wall-clock times are asserted (bench/governs.py measures speed).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

import clausegraph
from clausegraph.ontology.answers import CONTEXT_VALUES, Context, Status
from clausegraph.queries.governs import GovernsIndex, baseline, resolve
from clausegraph.queries.retrieval import lemmatize, load_lexicon, tokens

from conftest import SHARED, run_cli

HOSTED_ERA = dt.date(2025, 3, 1)  # Partner Hosted in force; Partner Served (2025-05-27) not yet
SERVED_ERA = dt.date(2026, 1, 1)  # Partner Served has replaced Partner Hosted
PARTNER_DOCS = {"partner-hosted-deployment-terms", "partner-served-deployment-terms"}
DEV_GOLD = SHARED / "eval" / "governs-dev.json"
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

# Our own questions (not the labelled ones of ../shared/eval), across the matters of the corpus.
BATTERY = [
    "What is the most Mistral will pay if something goes wrong?",
    "Which law applies to disputes and which courts decide them?",
    "Can I get technical support from Mistral?",
    "What must I do with the model weights when the agreement ends?",
    "Is my data used to train the models?",
    "How long is my data kept?",
    "What happens if I breach confidentiality?",
    "When can Mistral terminate my access?",
    "Who is the controller of the personal data?",
    "Which subprocessors does Mistral use?",
    "Can we audit Mistral?",
    "Which terms prevail in case of conflict?",
    "What is the liability cap?",
    "Who owns the outputs?",
    "Can Mistral change these terms?",
]


# ---------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="session")
def index(kg):
    return kg.governs_index()


def _state(kg, store: Path) -> tuple[str, str]:
    """Triples in the store and the generation readers use: both must survive any question."""
    return kg.query(COUNT_TRIPLES).values()[0]["n"], (store / "CURRENT").read_text(encoding="ascii").strip()


def _cli_context(context: dict) -> list[str]:
    args = []
    for name, value in context.items():
        args += [f"--{name.replace('_', '-')}", value.isoformat() if isinstance(value, dt.date) else value]
    return args


def _assert_clean_error(result, *, exit_codes=(1, 2)) -> str:
    """One line on stderr starting ``error[``, exit 1 or 2, no traceback."""
    assert result.returncode in exit_codes, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("error["), lines[0]
    return lines[0]


def _everything(result):
    """Every (document, clause) the result shows: answer, candidates, excluded, unresolved, alternatives."""
    shown = [result.answer] if result.answer else []
    shown += result.candidates + result.excluded + result.unresolved
    shown += [alt.answer for alt in result.alternatives if alt.answer]
    return shown


# ---------------------------------------------------------------------- the JSON contract

CONTRACT_CASES = [
    # answered, with a precedence step (the Additional Terms bind where the Privacy Policy only explains)
    ("Are the messages I write in Le Chat used to train Mistral's models?",
     {"role": "consumer", "service": "le-chat", "plan": "free", "as_of": SERVED_ERA}),
    # not answered: answer is null
    ("Does Mistral offer a student discount?", {"as_of": SERVED_ERA}),
    # depends on unstated context
    ("Are the messages I write in Le Chat used to train Mistral's models?", {"service": "le-chat", "as_of": SERVED_ERA}),
]


@pytest.fixture(scope="module")
def contract_outputs(bundled_store):
    out = []
    for question, context in CONTRACT_CASES:
        result = run_cli("governs", question, *_cli_context(context), "--json", store=bundled_store)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        out.append(json.loads(result.stdout))
    return out


def _check_document(doc: dict) -> None:
    assert {"id", "title", "effective"} <= set(doc)
    assert isinstance(doc["id"], str) and doc["id"] and isinstance(doc["title"], str) and doc["title"]
    dt.date.fromisoformat(doc["effective"])


def _check_clause(clause: dict) -> None:
    assert {"iri", "number", "heading", "text"} <= set(clause)
    assert clause["iri"].startswith("https://w3id.org/clausegraph/id/mistral-ai/")
    assert isinstance(clause["text"], str) and clause["text"]
    assert clause["number"] is None or isinstance(clause["number"], str)
    assert clause["heading"] is None or isinstance(clause["heading"], str)


def test_governs_json_has_the_documented_keys(contract_outputs):
    steps = 0
    for (question, context), payload in zip(CONTRACT_CASES, contract_outputs):
        assert {"question", "context", "answer", "candidates", "precedence", "explanation"} <= set(payload)
        assert payload["question"] == question.encode("utf-8", "replace").decode("utf-8")
        assert set(payload["context"]) == set(Context.model_fields)
        for name, value in context.items():
            assert payload["context"][name] == (value.isoformat() if isinstance(value, dt.date) else value)
        assert isinstance(payload["explanation"], str) and payload["explanation"].strip()
        if payload["answer"] is not None:
            _check_document(payload["answer"]["document"])
            _check_clause(payload["answer"]["clause"])
        for c in payload["candidates"]:
            assert {"document", "clause", "score"} <= set(c)
            _check_document(c["document"])
            _check_clause(c["clause"])
            assert isinstance(c["score"], (int, float)) and c["score"] > 0
        for s in payload["precedence"]:
            assert {"winner", "loser", "relation", "evidence"} <= set(s)
            assert s["winner"] != s["loser"]
            assert isinstance(s["evidence"], dict) and s["evidence"]["words"]
            steps += 1
    answered, abstained, depends = contract_outputs
    assert answered["answer"] is not None and answered["status"] in ("governs", "unresolved")
    assert abstained["answer"] is None and abstained["status"] == "no-governing-clause"
    assert depends["status"] == "depends" and depends["answer"] is not None
    assert steps >= 1, "no precedence step in any contract case: the keys of a step went unchecked"


def test_model_dump_is_the_cli_json(kg, contract_outputs):
    for (question, context), payload in zip(CONTRACT_CASES, contract_outputs):
        result = kg.governs(question, **context)
        assert result.model_dump(mode="json") == payload
        assert json.loads(result.model_dump_json()) == payload


# ---------------------------------------------------------------------- exact text

ANSWERED = [
    ("Are the messages I write in Le Chat used to train Mistral's models?", {"service": "le-chat", "plan": "pro"}),
    ("Which law applies to disputes and which courts decide them?", {"region": "us", "channel": "direct"}),
    ("What is the liability cap?", {"channel": "cloud-partner", "infrastructure": "partner", "as_of": HOSTED_ERA}),
    ("Is there a withdrawal form for cancelling my subscription?", {"role": "consumer", "region": "eu"}),
]


@pytest.mark.parametrize("question,context", ANSWERED, ids=[q[:40] for q, _ in ANSWERED])
def test_answer_and_candidates_quote_the_graph_exactly(kg, question, context):
    result = kg.governs(question, **context)
    assert result.answer is not None, result.explanation
    shown = [result.answer] + result.candidates
    for item in shown:
        rows = kg.query(
            "SELECT ?n ?text ?id ?effective WHERE { ?n a cg:Clause ; cg:text ?text ; cg:inDocument ?d . "
            "?d dcterms:identifier ?id ; cg:effectiveDate ?effective }",
            n=f"<{item.clause.iri}>").values()
        assert len(rows) == 1, item.clause.iri
        assert item.clause.text == rows[0]["text"]
        assert item.document.id == rows[0]["id"]
        assert item.document.effective == dt.date.fromisoformat(rows[0]["effective"])


# ---------------------------------------------------------------------- hostile questions

HOSTILE = {
    "quotes": "\"' \\\" '",
    "braces": "{ } }}",
    "drop all": "} ; DROP ALL ; {",
    "insert data": "INSERT DATA { <a> <b> <c> }",
    "select with comment": "SELECT * WHERE { ?s ?p ?o } # liability",
    "ansi escape": "\x1b[31mliability cap\x1b[0m",
    "bell": "governing law\x07\x07",
    "nul": "liability\x00 cap",
    "rtl and zero-width": "\u202egoverning law\u202c\u200b\u200d\ufeff\u2067liability\u2069",
    "1 MB": ("governing law liability " * 50_000)[:1_000_000],
    "1 MB of one word": "x" * 1_000_000,
    "lone surrogate": "caf\udcff governing law",
}
# The command line cannot carry every one of these: argv strings end at NUL, and Linux caps one
# argument at 128 KiB (MAX_ARG_STRLEN), so the CLI gets the longest argument that fits instead.
CLI_HOSTILE = {k: v for k, v in HOSTILE.items() if "\x00" not in v and len(v) < 100_000}
CLI_HOSTILE["100 kB (argv limit)"] = ("governing law liability " * 5_000)[:100_000]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_question_through_the_api(kg, bundled_store, name):
    question = HOSTILE[name]
    before = _state(kg, bundled_store)
    try:
        result = kg.governs(question, as_of=SERVED_ERA)
    except clausegraph.QueryError as exc:
        assert "\n" not in str(exc)
    else:
        assert result.question == question.encode("utf-8", "replace").decode("utf-8")  # invalid Unicode is replaced
        assert result.status in set(Status)
        assert (result.answer is None) == (result.status is Status.NO_ANSWER)
        payload = json.loads(result.model_dump_json())  # the CLI prints exactly this
        assert payload["question"] == question.encode("utf-8", "replace").decode("utf-8")
    assert _state(kg, bundled_store) == before


@pytest.mark.parametrize("name", sorted(CLI_HOSTILE))
def test_hostile_question_through_the_cli(kg, bundled_store, name):
    question = CLI_HOSTILE[name]
    before = _state(kg, bundled_store)
    result = run_cli("governs", question, "--as-of", SERVED_ERA.isoformat(), "--json", store=bundled_store)
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        payload = json.loads(result.stdout)
        assert payload["question"] == question.encode("utf-8", "replace").decode("utf-8")
        assert payload["status"] in {s.value for s in Status}
    else:
        _assert_clean_error(result)
    assert _state(kg, bundled_store) == before


def test_human_output_does_not_replay_control_characters(bundled_store):
    """A question is echoed in the human output: its escape sequences must not reach the terminal."""
    result = run_cli("governs", "\x1b[2J\x1b[31mliability cap\x1b]0;owned\x07", store=bundled_store)
    assert result.returncode == 0, result.stderr
    assert "liability cap" in result.stdout
    for ch in ("\x1b", "\x07"):
        assert ch not in result.stdout, f"{ch!r} printed raw: {result.stdout[:200]!r}"


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", "\x00\x00", "\u200b\u200b", "\x1b\x07"])
def test_empty_question_is_a_query_error(kg, question):
    with pytest.raises(clausegraph.QueryError, match="empty"):
        kg.governs(question)


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_on_the_cli(bundled_store, question):
    line = _assert_clean_error(run_cli("governs", question, store=bundled_store))
    assert "empty" in line


def test_the_question_never_reaches_sparql(kg):
    """Record every query the resolver sends (through the public kg.query): only as_of and document
    IRIs of the graph itself are bound, never anything of the question."""
    sent: list[tuple[str, dict]] = []

    def run(text, **bindings):
        sent.append((text, bindings))
        return kg.query(text, **bindings).python()

    idx = GovernsIndex(run)
    built = len(sent)
    marker = "Zqxjvk} ; DROP ALL ; { governing law"
    result = resolve(idx, marker, Context(region="us", as_of=HOSTED_ERA))
    assert result.question == marker
    assert all(not b for _, b in sent[:built]), "the snapshot starts from unbound queries"
    later = sent[built:]
    assert later, "no document was read"
    documents = {f"<{d}>" for d in idx.docs}
    for text, bindings in later:
        assert set(bindings) == {"d"} and bindings["d"] in documents, bindings
        assert "Zqxjvk" not in text
    assert all("Zqxjvk" not in text and "Zqxjvk" not in str(b) for text, b in sent)


@pytest.mark.parametrize("as_of", [dt.date(2025, 1, 1), HOSTED_ERA, SERVED_ERA], ids=str)
def test_documents_in_force_are_what_the_sparql_rule_says(kg, index, as_of):
    """The resolver computes the versions in force from the successions it read; in-force.rq states
    the same rule in SPARQL with the date bound: both agree."""
    in_force = (files("clausegraph.queries") / "governs" / "in-force.rq").read_text(encoding="utf-8")
    assert "?asOf" in in_force and not re.search(r"\d{4}-\d{2}-\d{2}", in_force)
    by_sparql = {r["d"] for r in kg.query(in_force, asOf=as_of).python()}
    assert index.in_force(as_of) == by_sparql


# ---------------------------------------------------------------------- bad context values


def test_bad_plan_is_refused_by_the_cli(bundled_store):
    result = run_cli("governs", "What is the liability cap?", "--plan", "gold", store=bundled_store)
    assert result.returncode == 2
    assert "unknown plan 'gold': use free, pro, team, enterprise, paid" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("field,value", [("plan", "gold"), ("role", "admin"), ("region", "mars"), ("channel", "aws"),
                                         ("as_of", "2025-13-45"), ("as_of", "yesterday")])
def test_bad_context_is_a_query_error(kg, field, value):
    with pytest.raises(clausegraph.QueryError) as info:
        kg.governs("What is the liability cap?", **{field: value})
    assert field in str(info.value) and "\n" not in str(info.value)


def test_bad_date_on_the_cli(bundled_store):
    line = _assert_clean_error(run_cli("governs", "What is the liability cap?", "--as-of", "2025-13-45", store=bundled_store))
    assert "2025-13-45" in line


# ---------------------------------------------------------------------- abstention

UNANSWERED = [
    ("How much does the Pro plan cost per month in dollars?", {}),
    ("Does Mistral offer a student discount?", {}),
    ("Is there a promo code for the first month of Le Chat Pro?", {"service": "le-chat"}),
    ("How many tokens fit in the context window of Codestral?", {"service": "la-plateforme"}),
    ("Is Mistral insured against data breaches?", {"role": "business"}),
]


@pytest.mark.parametrize("question,context", UNANSWERED, ids=[q[:40] for q, _ in UNANSWERED])
def test_questions_the_terms_do_not_answer_are_abstained_on(kg, question, context):
    result = kg.governs(question, as_of=SERVED_ERA, **context)
    assert result.status is Status.NO_ANSWER, (result.answer, result.explanation)
    assert result.answer is None and not result.alternatives and not result.precedence
    assert result.candidates, "the nearest clauses are listed"
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert result.explanation.startswith("No governing clause found")


def test_a_cost_the_terms_do_state_is_answered(kg):
    result = kg.governs("Who bears the cost of an audit?", role="business", as_of=SERVED_ERA)
    assert result.answer is not None
    assert result.answer.document.id == "data-processing-agreement" and "costs of this audit" in result.answer.clause.text


# ---------------------------------------------------------------------- applicability


def _states_only_the_non_us_limb(text: str) -> bool:
    # The Terms of Service split governing law into (a) "Unless you are located in the United States"
    # and (b) "If you are located in the United States" clauses; the Partner Served terms keep both in
    # one clause, which is then right for everyone. Only a clause with limb (a) alone is wrong for the US.
    return "Unless you are located in the United States" in text and "If you are located in the United States" not in text


LAW_QUESTIONS = [
    "Which law applies to disputes and which courts decide them?",
    "Which country's law governs a dispute with Mistral?",
    "Under which law would a lawsuit against Mistral be decided?",
    "Where would a court case against Mistral be heard?",
]


@pytest.mark.parametrize("as_of", [HOSTED_ERA, SERVED_ERA], ids=str)
@pytest.mark.parametrize("channel", [None, "direct", "cloud-partner", "reseller"])
def test_us_user_never_gets_the_non_us_governing_law(kg, channel, as_of):
    for question in LAW_QUESTIONS:
        for infrastructure in (None, "mistral", "partner", "own"):
            result = kg.governs(question, region="us", channel=channel, infrastructure=infrastructure, as_of=as_of)
            answers = [result.answer] + [a.answer for a in result.alternatives]
            for a in answers:
                if a is not None:
                    assert not _states_only_the_non_us_limb(a.clause.text), (question, channel, infrastructure, a.clause.text)
            for c in result.candidates:
                if _states_only_the_non_us_limb(c.clause.text):
                    assert c.applies != "yes", (question, channel, infrastructure, c.clause.iri)


@pytest.mark.parametrize("question", [
    "Which law applies to disputes and which courts decide them?",
    "Which country's law governs a dispute with Mistral?",
    # 'decided' once ranked Privacy Policy §1.1 ('the entity that decides how and why ...') first: the
    # question's matter (governing law) now ranks the clauses that concern it above the rest
    "Under which law would a lawsuit against Mistral be decided?",
])
def test_us_user_gets_california_law(kg, question):
    result = kg.governs(question, region="us", channel="direct", as_of=SERVED_ERA)
    assert result.answer is not None and result.answer.document.id == "terms-of-service"
    assert "California law will govern" in result.answer.clause.text


@pytest.mark.parametrize("as_of", [HOSTED_ERA, SERVED_ERA], ids=str)
def test_direct_users_get_nothing_from_the_partner_terms(kg, as_of):
    for question in BATTERY:
        for context in ({"channel": "direct"}, {"channel": "direct", "role": "business"},
                        {"channel": "direct", "service": "la-plateforme"}):
            result = kg.governs(question, as_of=as_of, **context)
            if result.answer is not None:
                assert result.answer.document.id not in PARTNER_DOCS, (question, context)
            for c in result.candidates:
                assert not (c.document.id in PARTNER_DOCS and c.applies == "yes"), (question, context, c.clause.iri)
            for alt in result.alternatives:
                assert alt.answer is None or alt.answer.document.id not in PARTNER_DOCS, (question, context, alt.when)


def test_as_of_excludes_versions_not_yet_in_force_and_superseded_ones(kg):
    for question in BATTERY + LAW_QUESTIONS:
        early = kg.governs(question, as_of=HOSTED_ERA)
        for item in _everything(early):
            assert item.document.effective <= HOSTED_ERA, (question, item.document.id)
            assert item.document.id != "partner-served-deployment-terms"
        late = kg.governs(question, as_of=SERVED_ERA, channel="cloud-partner")
        for item in _everything(late):
            assert item.document.id != "partner-hosted-deployment-terms", (question, "superseded on 2025-05-27")


def test_consumers_are_not_answered_from_the_dpa(kg):
    """The DPA "only applies if Customer is a business entity"."""
    for question in BATTERY + ["In what capacity does Mistral process personal data?", "Who is the processor?"]:
        for context in ({"role": "consumer"}, {"role": "consumer", "service": "le-chat"}, {"role": "consumer", "region": "eu"}):
            result = kg.governs(question, as_of=SERVED_ERA, **context)
            for a in [result.answer] + [alt.answer for alt in result.alternatives]:
                assert a is None or a.document.id != "data-processing-agreement", (question, context)
            for c in result.candidates:
                assert not (c.document.id == "data-processing-agreement" and c.applies != "no"), (question, context, c)
            assert all(c.applies == "no" for c in result.excluded)


# ---------------------------------------------------------------------- context not given

TRAINING = "Are the messages I write in Le Chat used to train Mistral's models?"
ALT_CONTEXTS = ({}, {"service": "le-chat"}, {"channel": "reseller"}, {"channel": "cloud-partner"}, {"role": "business"})


def test_le_chat_training_without_a_plan_depends_on_the_plan(kg):
    result = kg.governs(TRAINING, service="le-chat", as_of=SERVED_ERA)
    assert result.status is Status.DEPENDS and "plan" in result.depends_on
    assert [alt.when for alt in result.alternatives] == [{"plan": v} for v in CONTEXT_VALUES["plan"]]
    answers = {alt.when["plan"]: alt.answer for alt in result.alternatives}
    assert all(answers.values())
    assert answers["free"].clause.iri != answers["pro"].clause.iri  # the plans really are answered differently
    stated = kg.governs(TRAINING, service="le-chat", plan="free", as_of=SERVED_ERA)
    assert "plan" not in stated.depends_on and stated.status is not Status.DEPENDS


def test_a_section_headed_by_one_product_answers_for_no_other(kg):
    """Privacy Policy §3.4.2 "Input and Output provided on La Plateforme" states "If you use our paid
    Services": for a Le Chat user who did not give a plan, "paid" must not be answered from it."""
    result = kg.governs(TRAINING, service="le-chat", as_of=SERVED_ERA)
    for alt in result.alternatives:
        assert alt.answer is not None and "La Plateforme" not in (alt.answer.clause.section_heading or ""), alt
    aside = [c for c in result.excluded if "La Plateforme" in (c.clause.section_heading or "")]
    assert aside and all("Input and Output provided on La Plateforme" in c.why for c in aside)
    other = kg.governs(TRAINING, service="la-plateforme", plan="paid", as_of=SERVED_ERA)
    assert all(c.clause.section_heading != "Le Chat" or c.applies == "no" for c in other.candidates + other.excluded)


def test_an_answer_that_depends_says_for_whom_the_clause_shown_is(kg, bundled_store):
    result = kg.governs(TRAINING, service="le-chat", as_of=SERVED_ERA)
    assert result.status is Status.DEPENDS
    plans = [alt.when["plan"] for alt in result.alternatives if alt.answer and alt.answer.clause.iri == result.answer.clause.iri]
    assert plans, "the clause shown is one plan's answer"
    when = f"plan = {' or '.join(plans)}"
    assert f"it depends on your plan; if {when}, " in result.explanation
    shown = run_cli("governs", TRAINING, "--service", "le-chat", "--as-of", SERVED_ERA.isoformat(), store=bundled_store)
    assert shown.returncode == 0 and f"if {when}: Additional Terms" in shown.stdout  # the box's title, first
    stated = kg.governs(TRAINING, service="le-chat", plan="free", as_of=SERVED_ERA)
    assert "depends on your" not in stated.explanation.split(". ")[0]


@pytest.mark.parametrize("plan", [
    "free", "pro",
    pytest.param("team", marks=pytest.mark.xfail(strict=True, reason=(
        "answer quality: for Team the Privacy Policy §3.4.3 (a notice) wins over Additional Terms for Le Chat §2 (c), "
        "although for free and pro the Additional Terms win as part of the agreement"))),
])
def test_le_chat_training_is_answered_by_the_additional_terms(kg, plan):
    result = kg.governs(TRAINING, service="le-chat", plan=plan, as_of=SERVED_ERA)
    assert result.answer is not None and result.answer.document.id == "additional-terms-for-le-chat"


@pytest.mark.parametrize("as_of", [HOSTED_ERA, SERVED_ERA], ids=str)
def test_alternatives_are_one_per_value_of_a_field_in_depends_on(kg, as_of):
    seen = 0
    for question in BATTERY + [TRAINING]:
        for context in ALT_CONTEXTS:
            result = kg.governs(question, as_of=as_of, **context)
            assert not set(result.depends_on) & set(context), "a stated field cannot be missing"
            if not result.depends_on:
                assert not result.alternatives and result.status is not Status.DEPENDS
                continue
            seen += 1
            assert result.status is Status.DEPENDS and result.answer is not None
            keys = {k for alt in result.alternatives for k in alt.when}
            assert keys <= set(result.depends_on) and len(keys) == 1, (question, context, keys)
            assert all(len(alt.when) == 1 for alt in result.alternatives)
            (field,) = keys
            assert [alt.when[field] for alt in result.alternatives] == list(CONTEXT_VALUES[field])
    assert seen >= 5, "too few 'depends' results to say anything general"


SUBPROCESSORS = "Which subprocessors does Mistral use?"


def _inconsistent_alternatives(kg, question: str, context: dict) -> list:
    result = kg.governs(question, as_of=SERVED_ERA, **context)
    wrong = []
    for alt in result.alternatives:
        stated = kg.governs(question, as_of=SERVED_ERA, **context, **alt.when)
        got = stated.answer.clause.iri if stated.answer else None
        want = alt.answer.clause.iri if alt.answer else None
        if got != want:
            wrong.append((context, alt.when, want, got, stated.explanation[:200]))
    return wrong


def test_an_alternative_is_the_answer_once_its_value_is_stated(kg):
    wrong = []
    for question in [q for q in BATTERY if q != SUBPROCESSORS] + [TRAINING]:
        for context in ALT_CONTEXTS:
            wrong += [(question, *w) for w in _inconsistent_alternatives(kg, question, context)]
    assert not wrong, wrong


def test_an_alternative_is_the_answer_once_its_value_is_stated_subprocessors(kg):
    assert not _inconsistent_alternatives(kg, SUBPROCESSORS, {})


# ---------------------------------------------------------------------- the lemmatizer


@pytest.fixture(scope="module")
def corpus_words(kg) -> list[str]:
    rows = kg.query("SELECT ?t WHERE { ?c a cg:Clause ; cg:text ?t }").values()
    words = sorted({w for r in rows for w in re.findall(r"[A-Za-z]+", r["t"])})
    assert len(words) > 1500
    return words


def test_lemmas_agree_with_spacys_lookup_pipeline(corpus_words):
    """retrieval.lemmatize against spacy.blank("en") + the lookup lemmatizer, word by word.

    spaCy's lookup lemmatizer looks the token up exactly as written and otherwise keeps it
    ("ADVISED" -> "ADVISED", "Governing" -> "Governing"); lemmatize() falls back to the lowercased
    word ("advise", "govern") so that a capitalised heading and a question agree. So the rule is:
    a word in spaCy's table gets spaCy's lemma (lowercased); any other word gets spaCy's lemma of the
    lowercased word (lowercased). Each word is given to spaCy as a one-token Doc: retrieval splits on
    [A-Za-z]+, while spaCy's tokenizer would split "cannot" into "can" + "not".
    """
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")

    def spacy_lemma(word: str) -> str:
        return nlp(Doc(nlp.vocab, words=[word]))[0].lemma_

    exact = case_rule = 0
    for word in corpus_words:
        ours = lemmatize(word)
        if word in table:
            assert ours == spacy_lemma(word).lower(), word
            exact += 1
        else:
            assert ours == spacy_lemma(word.lower()).lower(), word
            if spacy_lemma(word).lower() != ours:
                case_rule += 1
    assert exact and case_rule  # both branches of the rule were exercised
    assert lemmatize("Governing") == "govern" and spacy_lemma("Governing") == "Governing"
    assert case_rule < len(corpus_words) // 10  # the case fallback is the exception


# ---------------------------------------------------------------------- the lexicon file


@pytest.fixture(scope="module")
def lexicon_raw() -> dict:
    return tomllib.loads((files("clausegraph.queries") / "lexicon.toml").read_text(encoding="utf-8"))


def test_lexicon_concepts_are_rings_of_distinct_words(lexicon_raw):
    concepts = lexicon_raw["concept"]
    assert len(concepts) >= 10
    names = [c["name"] for c in concepts]
    assert len(names) == len(set(names))
    for c in concepts:
        words = c["words"]
        assert isinstance(words, list) and len(words) >= 2, c["name"]
        assert all(isinstance(w, str) and w.strip() for w in words), c["name"]
        folded = [w.strip().lower() for w in words]
        twice = sorted({w for w in folded if folded.count(w) > 1})
        assert not twice, f"{c['name']}: {twice} appear twice"
        for w in words:  # a word that lemmatizes to nothing would be dropped silently
            assert tokens(w, keep_stop_words=True), (c["name"], w)


def test_lexicon_unanswerable_patterns_compile(lexicon_raw):
    entries = lexicon_raw["unanswerable"]
    assert entries
    for u in entries:
        assert u["name"]
        for key in ("asks", "stated_by"):
            pattern = re.compile(u[key], re.IGNORECASE)
            assert not pattern.search(""), (u["name"], key, "matches the empty text")


def test_lexicon_loads_as_the_resolver_reads_it(lexicon_raw):
    lexicon = load_lexicon()
    assert len(lexicon.concepts) == len(lexicon_raw["concept"])
    assert len(lexicon.unanswerable) == len(lexicon_raw["unanswerable"])
    assert all(len(c.phrases) >= 2 for c in lexicon.concepts)


# ---------------------------------------------------------------------- eval governs

_FIGURE = r"^{}\s+(\d\.\d{{3}})\s+(\d\.\d{{3}})\s*$"


@pytest.fixture(scope="module")
def dev_gold() -> Path:
    if not DEV_GOLD.is_file():
        pytest.skip(f"labelled questions not found at {DEV_GOLD} (../shared is absent on this machine)")
    return DEV_GOLD


def test_eval_governs_prints_the_figures(bundled_store, dev_gold):
    result = run_cli("eval", "governs", "--gold", str(dev_gold), store=bundled_store)
    assert result.returncode == 0, result.stderr
    for name in ("document accuracy @1", "clause hit @3", "abstention accuracy"):
        m = re.search(_FIGURE.format(re.escape(name)), result.stdout, re.MULTILINE)
        assert m, f"no line {name!r} with two figures in:\n{result.stdout}"
        assert all(0.0 <= float(x) <= 1.0 for x in m.groups())


def test_eval_governs_json(bundled_store, dev_gold):
    result = run_cli("eval", "governs", "--gold", str(dev_gold), "--json", store=bundled_store)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    questions = json.loads(dev_gold.read_text(encoding="utf-8"))
    for side in ("system", "baseline"):
        scores = report[side]
        assert scores["questions"] == len(questions) == len(scores["items"])
        assert scores["answerable"] == sum(1 for q in questions if q.get("governing"))
        for key in ("doc_acc1", "clause_hit1", "clause_hit3", "abstention_acc"):
            assert 0.0 <= scores[key] <= 1.0
        assert scores["clause_hit1"] <= scores["clause_hit3"]


def _context(**stated) -> dict:
    return {name: stated.get(name) for name in Context.model_fields}


TINY_GOLD = [
    {"id": "t1", "question": "Which law governs disputes and which courts hear them?",
     "context": _context(region="us", as_of="2026-01-01"),
     "governing": [{"doc": "terms-of-service", "section": "10", "heading": None,
                    "quote": "California law will govern all disputes"}],
     "governing_doc": "terms-of-service"},
    {"id": "t2", "question": "How much does the Team plan cost each month?", "context": _context(as_of="2026-01-01"),
     "governing": [], "governing_doc": None},
]


def test_eval_governs_on_a_tiny_gold_file(bundled_store, index, tmp_path):
    gold = tmp_path / "tiny.json"
    gold.write_text(json.dumps(TINY_GOLD), encoding="utf-8")
    result = run_cli("eval", "governs", "--gold", str(gold), "--json", store=bundled_store)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    system = report["system"]
    # by hand: t1 is answered from ToS §10 (b), t2 is abstained on
    assert (system["questions"], system["answerable"]) == (2, 1)
    assert (system["doc_acc1"], system["clause_hit1"], system["clause_hit3"], system["abstention_acc"]) == (1.0, 1.0, 1.0, 1.0)
    assert system["unanswerable_abstained"] == "1/1" and system["answerable_abstained"] == 0
    # the baseline, scored here independently from its own answers
    b1 = baseline(index, TINY_GOLD[0]["question"], dt.date(2026, 1, 1))
    b2 = baseline(index, TINY_GOLD[1]["question"], dt.date(2026, 1, 1))
    ranked = [] if b1.answer is None else [b1.answer] + [c for c in b1.candidates if c.clause.iri != b1.answer.clause.iri]

    def hit(k: int) -> float:
        return float(any(a.document.id == "terms-of-service" and a.clause.number == "10"
                         and "California law will govern all disputes" in a.clause.text for a in ranked[:k]))

    abstained2 = b2.status is Status.NO_ANSWER
    expected = {
        "doc_acc1": float(b1.answer is not None and b1.answer.document.id == "terms-of-service"),
        "clause_hit1": hit(1), "clause_hit3": hit(3),
        "abstention_acc": ((b1.status is not Status.NO_ANSWER) + abstained2) / 2,
        "unanswerable_abstained": f"{int(abstained2)}/1",
        "answerable_abstained": int(b1.status is Status.NO_ANSWER),
    }
    assert {k: report["baseline"][k] for k in expected} == expected


BAD_GOLD = {
    "not json": b"this is not JSON",
    "not utf-8": b"\xff\xfe[]",
    "an object, not a list": b'{"question": "x", "governing": []}',
    "a list of strings": b'["What is the liability cap?"]',
    "context is a string": b'[{"question": "x", "context": "eu", "governing": []}]',
    "governing is a string": b'[{"question": "x", "context": null, "governing": "terms-of-service"}]',
    "bad context value": b'[{"id": "b1", "question": "x", "context": {"plan": ["gold"]}, "governing": []}]',
    "missing file": None,
}


@pytest.mark.parametrize("case", sorted(BAD_GOLD))
def test_malformed_gold_file_is_one_line(bundled_store, tmp_path, case):
    path = tmp_path / "gold.json"
    if BAD_GOLD[case] is not None:
        path.write_bytes(BAD_GOLD[case])
    line = _assert_clean_error(run_cli("eval", "governs", "--gold", str(path), store=bundled_store))
    assert str(path) in line


# ---------------------------------------------------------------------- versions in force


def _version(index, doc_id: str) -> str:
    (iri,) = [d.iri for d in index.docs.values() if d.id == doc_id]
    return iri


def test_in_force_binds_the_date(index):
    hosted = _version(index, "partner-hosted-deployment-terms")
    served = _version(index, "partner-served-deployment-terms")
    assert hosted.endswith("/partner-hosted-deployment-terms/2025-02-06")
    assert served.endswith("/partner-served-deployment-terms/2025-05-27")
    early = index.in_force(dt.date(2025, 3, 1))
    assert hosted in early and served not in early
    late = index.in_force(dt.date(2026, 1, 1))
    assert served in late and hosted not in late  # the manifest: Served supersedes Hosted
    assert hosted in index.in_force(dt.date(2025, 5, 26)) and served in index.in_force(dt.date(2025, 5, 27))
    assert index.in_force(dt.date(2025, 2, 5)) == set()  # before anything took effect
    assert len(early) == len(late) == 9


# ---------------------------------------------------------------------------- summaries

def test_summary_items_are_found_under_their_lead_in(index):
    from clausegraph.queries.governs.precedence import _restated

    leads = set()
    for as_of in (HOSTED_ERA, SERVED_ERA):  # the "key points" of both Deployment Terms, each in its own era
        view = index.view("mistral-ai", as_of)
        leads |= {lead for lead, _ in view.summaries.values()}
        for item, (lead, _) in view.summaries.items():
            assert index.nodes[item].parent == lead
            body = _restated(view, item)
            assert body is None or (index.nodes[body].doc == index.nodes[item].doc and body not in view.summaries)
    assert len(leads) == 2
    assert all("key points" in index.nodes[lead].text for lead in leads)


@pytest.mark.parametrize("question", [
    "Does Mistral train its models on the data we process through our cloud provider?",
    "Who gives us support when we use the models on our cloud provider?",
])
def test_the_body_clause_governs_not_the_key_point_restating_it(kg, index, question):
    res = kg.governs(question, role="business", channel="cloud-partner", infrastructure="partner", as_of="2025-03-10")
    assert res.answer is not None and res.answer.clause.iri not in index.view("mistral-ai", HOSTED_ERA).summaries
    step = next(s for s in res.precedence if s.relation == "operative-over-summary")
    assert step.explicit is False and step.winner == res.answer.clause.iri and step.loser in index.view("mistral-ai", HOSTED_ERA).summaries
    assert step.evidence.words.startswith("Here are some key points") and step.evidence.rule == "summary-lead-in"
    assert res.answer.document.id == "partner-hosted-deployment-terms"


# ---------------------------------------------------------------------------- whose side

@pytest.mark.parametrize("heading,side", [
    ("By us", "vendor"), ("By you", "user"), ("Our Warranties", "vendor"), ("Your Warranties", "user"),
    ("Indemnification by SpaceXAI", "vendor"), ("9.1 Indemnification by SpaceXAI", "vendor"),
    ("Indemnification by Customer", "user"), ("7.2 By Mistral AI", "vendor"),
    ("Limitation of Liability", None), ("Governed by French law", None), ("Supported by the Partner", None),
])
def test_whose_obligation_a_heading_names(heading, side):
    from clausegraph.queries.governs.ranking import clause_side

    assert clause_side(heading) == side


@pytest.mark.parametrize("question,side", [
    ("What, if anything, does Mistral actually promise about how the service will perform?", "vendor"),
    ("Will they defend us if someone sues over the output?", "vendor"),
    ("What is the most I could claim from them?", "vendor"),
    ("If one of our clients sues Mistral over the bot, do we end up paying?", "user"),
    ("Do we have to indemnify them?", "user"),
    ("Who owns the output?", None),
])
def test_whose_obligation_a_question_asks_about(question, side):
    from clausegraph.queries.governs.question import read_question
    from clausegraph.queries.governs.ranking import asked_side

    assert asked_side(read_question(question), {"Mistral"}) == side


def test_the_vendors_promise_is_its_own_warranty(kg):
    result = kg.governs("What, if anything, does Mistral actually promise about how the service will perform?",
                        role="business", service="la-plateforme", channel="direct")
    assert result.answer.clause.heading == "Our Warranties", result.answer.clause.heading


# headings seen in the vendors' documents; the products are those each publisher's scope statements name
@pytest.mark.parametrize("publisher,name,services,heading,named", [
    ("mistral-ai", "Mistral AI", {"la-plateforme", "le-chat"}, "Input and Output provided on La Plateforme", ["la-plateforme"]),
    ("mistral-ai", "Mistral AI", {"la-plateforme", "le-chat"}, "Le Chat", ["le-chat"]),
    ("mistral-ai", "Mistral AI", {"la-plateforme", "le-chat"}, "La Plateforme and Le Chat", None),  # every product
    ("perplexity", "Perplexity", {"perplexity-ai", "perplexity-pro"}, "SHOPPING WITH PERPLEXITY PRO", ["perplexity-pro"]),
    ("perplexity", "Perplexity", {"perplexity-ai", "perplexity-pro"}, "About Perplexity AI", None),  # the company
    ("google-generative-ai-services", "Google Generative AI Services", {"google", "google-llc", "google-pay"},
     "When Google shares your information", None),
    ("google-generative-ai-services", "Google Generative AI Services", {"google", "google-llc", "google-pay"},
     "Your Relationship with Google LLC", None),
    ("microsoft-copilot", "Microsoft Copilot", {"copilot", "microsoft", "copilot-health"}, "COPILOT HEALTH", ["copilot-health"]),
    ("microsoft-copilot", "Microsoft Copilot", {"copilot", "microsoft", "copilot-health"}, "Microsoft Rewards", None),
])
def test_a_heading_scopes_its_section_to_the_products_it_names_never_to_the_company(publisher, name, services, heading, named):
    from types import SimpleNamespace

    from clausegraph.queries.governs.applicability import heading_limb
    from clausegraph.queries.governs.snapshot import Node

    section = Node("urn:s", "urn:d", "urn:d", True, 0, "1", heading, None, None)
    view = SimpleNamespace(snap=SimpleNamespace(nodes={"urn:s": section}, publishers={publisher: name}),
                           publisher=publisher, _services=services)
    limb = heading_limb(view, "urn:s")
    assert (limb.fields["service"] if limb else None) == named
    if limb:
        assert limb.words == heading and limb.rule == "heading-service"
