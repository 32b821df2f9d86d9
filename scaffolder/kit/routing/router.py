"""Intent routing: nearest examples first, the index's evidence, an LLM when neither is
conclusive, and follow-up turns kept with the skill they follow.

For each turn, in order:

1. The turn is embedded once and compared with every example utterance (precomputed, see
   `ExampleIndex`); each intent scores its nearest example's cosine similarity.
2. Follow-up: when a skill is active and the turn reads as a follow-up (`followup_cue`), it
   stays with that skill, unless another intent both passes `threshold` and beats the active
   skill's score by `followup_margin`: then the other intent is clearly more likely.
3. Confident match: the best intent passes `threshold` and leads the runner-up by
   `ambiguity_margin`.
4. Otherwise the LLM classifies (`classify_intent`), with the previous turn for references;
   without a model the request is out of scope (`default`).

Out-of-scope requests may also have examples (`out_of_scope_examples`): a turn nearest to one
of them is out of scope by step 3. Every decision carries its method and reason.

Scope grounded in the index: with an `evidence` function (answerability against the
project's index, `retrieval.evidence`) and a skill that `answers_from_index`, the examples are
not the only judge of scope. When the examples are not conclusive, a request the index holds
strong evidence for goes to that skill (`evidence`), and one the model would send there but
for which the index holds no evidence at all (no better than a typical off-topic request) is
declined, because the skill could only say "I don't know"; weak evidence, in between, leaves
the choice to the model. A confident example match stands (the examples are the team's
explicit word) and records the evidence, except that decisive evidence (as strong as the
corpus's own passages match) takes a request from a near out-of-scope example: "what does
heappop return?" resembles "what is the capital of Australia?" more than any example about
the documents. Follow-ups stay where they are. With an empty index,
evidence is not consulted: routing is by examples alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.local_embedding import MODEL_NAME as LOCAL_EMBEDDING_MODEL
from scaffolder.kit.llm.types import ChatModel
from scaffolder.kit.retrieval.evidence import Evidence
from scaffolder.kit.routing.classifier import classify_intent
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE, RouteDecision, RoutingContext
from scaffolder.kit.routing.followups import followup_cue
from scaffolder.kit.routing.index import Embedder, ExampleIndex, local_embedder
from scaffolder.kit.routing.skills import (
    EXAMPLES_FILE,
    OUT_OF_SCOPE_DIR,
    SKILLS_DIR,
    SkillSet,
    load_skills,
    read_examples,
)

#: Intents listed in a decision's scores.
SCORES_KEPT = 3
#: A request's text in, what the index holds for it out (None: no index to judge by).
EvidenceSource = Callable[[str], Evidence | None]


@dataclass(frozen=True)
class RouterSettings:
    """Thresholds on cosine similarity; the defaults suit the local embedder.

    Hosted embedders put unrelated texts closer together (cosines of 0.2-0.4 are common), so
    raise `threshold` for them and check with a routing suite.
    """

    threshold: float = 0.45
    ambiguity_margin: float = 0.03
    followup_margin: float = 0.2


class Router:
    def __init__(
        self,
        skills: SkillSet,
        *,
        embed: Embedder = local_embedder,
        model: ChatModel | None = None,
        settings: RouterSettings | None = None,
        out_of_scope_examples: Sequence[str] = (),
        evidence: EvidenceSource | None = None,
    ) -> None:
        self.skills = skills
        self.evidence = evidence
        self.grounded = tuple(skill.name for skill in skills if skill.answers_from_index)
        self.embed = embed
        self.model = model
        self.settings = settings or RouterSettings()
        labels = [skill.name for skill in skills for _ in skill.examples]
        labels += [OUT_OF_SCOPE] * len(out_of_scope_examples)
        texts = [example for skill in skills for example in skill.examples]
        texts += list(out_of_scope_examples)
        self.out_of_scope_examples = tuple(out_of_scope_examples)
        self.index = ExampleIndex(labels, embed(texts))
        #: Examples by their normalised text: a turn that repeats one routes there even when it
        #: has no content words to embed ("what can you do?" is all stopwords).
        self.exact = {_normalised(text): label for text, label in zip(texts, labels, strict=True)}

    @classmethod
    def for_project(
        cls,
        project_root: Path,
        llm: LLM,
        *,
        embedding_model: str = LOCAL_EMBEDDING_MODEL,
        settings: RouterSettings | None = None,
        out_of_scope_examples: Sequence[str] | None = None,
        evidence: EvidenceSource | None = None,
    ) -> Router:
        """The router over `project_root/skills/` (a project made before 0.5, whose skill code
        lives there), with `llm` as the fallback classifier. Out-of-scope examples default to
        `skills/out_of_scope/examples.txt`, if there is one."""
        if out_of_scope_examples is None:
            folder = project_root / SKILLS_DIR / OUT_OF_SCOPE_DIR
            out_of_scope_examples = read_examples(folder / EXAMPLES_FILE)
        return cls.for_skills(
            load_skills(project_root / SKILLS_DIR),
            llm,
            embedding_model=embedding_model,
            settings=settings,
            out_of_scope_examples=out_of_scope_examples,
            evidence=evidence,
        )

    @classmethod
    def for_skills(
        cls,
        skills: SkillSet,
        llm: LLM,
        *,
        embedding_model: str = LOCAL_EMBEDDING_MODEL,
        settings: RouterSettings | None = None,
        out_of_scope_examples: Sequence[str] = (),
        evidence: EvidenceSource | None = None,
    ) -> Router:
        """The router over `skills`, with `llm` as the fallback classifier.

        With the `local` embedding model (a project's `embedding_model` setting) turns are
        embedded in-process, skipping the client's cache; otherwise through `llm.embed`.
        `evidence` grounds the scope of skills that answer from the index (module docstring).
        """
        embed: Embedder = local_embedder
        if embedding_model != LOCAL_EMBEDDING_MODEL:

            def embed(texts: Sequence[str]) -> list[list[float]]:
                return llm.embed(texts, model=embedding_model)

        return cls(
            skills,
            embed=embed,
            model=llm,
            settings=settings,
            out_of_scope_examples=out_of_scope_examples,
            evidence=evidence,
        )

    def route(self, text: str, context: RoutingContext | None = None) -> RouteDecision:
        context = context or RoutingContext()
        exact = self.exact.get(_normalised(text))
        if exact is not None:
            decision = RouteDecision(exact, "embedding", 1.0, f"repeats an example of {exact}")
            return self._with_evidence(text, decision) if exact in self.grounded else decision
        scores = self.index.best_by_label(self.embed([text])[0])
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        top = tuple((name, round(score, 4)) for name, score in ranked[:SCORES_KEPT])
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        settings = self.settings

        active = context.active_skill
        cue = followup_cue(text) if active in self.skills else None
        if active is not None and cue is not None:
            active_score = scores.get(active, 0.0)
            if (
                best != active
                and best_score >= settings.threshold
                and (best_score - active_score >= settings.followup_margin)
            ):
                reason = (
                    f"reads as a follow-up ({cue}) but {best} is clearly more likely "
                    f"({best_score:.2f} vs {active} {active_score:.2f})"
                )
                return RouteDecision(best, "embedding", best_score, reason, top)
            reason = f"follow-up to {active}: {cue}; no other intent clearly more likely"
            return RouteDecision(active, "followup", active_score, reason, top)

        if best_score >= settings.threshold and best_score - runner_up >= settings.ambiguity_margin:
            reason = f"nearest examples: {best} {best_score:.2f}, next {runner_up:.2f}"
            decision = RouteDecision(best, "embedding", best_score, reason, top)
            if best in self.grounded or best == OUT_OF_SCOPE:
                decision = self._with_evidence(text, decision)
                evidence = decision.evidence
                if best == OUT_OF_SCOPE and evidence is not None and evidence.decisive:
                    return self._to_index(reason, evidence, scores, top)
            return decision

        why = (
            f"best match {best} {best_score:.2f} is below the threshold {settings.threshold:.2f}"
            if best_score < settings.threshold
            else f"{best} and the runner-up are within {settings.ambiguity_margin:.2f}"
        )
        evidence = self._evidence(text)
        if evidence is not None and evidence.strong:
            return self._to_index(why, evidence, scores, top)
        if self.model is None:
            decision = RouteDecision(OUT_OF_SCOPE, "default", best_score, f"{why}; no model", top)
            return replace(decision, evidence=evidence)
        choice = classify_intent(
            self.model, list(self.skills), text, context.previous_text, self.out_of_scope_examples
        )
        confidence = scores.get(choice.intent, 0.0)
        reason = f"{why}; the model classified it as {choice.intent}"
        if not choice.understood:
            reason += f" (answer: {choice.raw.strip()[:60]!r})"
        if choice.intent in self.grounded and evidence is not None and evidence.absent:
            reason += f", but the index holds {evidence.describe()}"
            return RouteDecision(OUT_OF_SCOPE, "llm", confidence, reason, top, evidence)
        return RouteDecision(choice.intent, "llm", confidence, reason, top, evidence)

    def _evidence(self, text: str) -> Evidence | None:
        """What the index holds for `text`, when some skill answers from it."""
        if self.evidence is None or not self.grounded:
            return None
        return self.evidence(text)

    def _with_evidence(self, text: str, decision: RouteDecision) -> RouteDecision:
        """A confident example match into or out of the index's scope, with the evidence.

        It stands whatever the index holds: examples are the team's explicit word, both the
        questions its documents answer (however they are worded: "how bright does it get?"
        over a page about lumens) and what to decline (a corpus that mentions the sea does
        not make "write me a poem about the sea" a question for it)."""
        evidence = self._evidence(text)
        if evidence is None:
            return decision
        return replace(decision, reason=f"{decision.reason}; {evidence.describe()}",
                       evidence=evidence)  # fmt: skip

    def _to_index(
        self,
        why: str,
        evidence: Evidence,
        scores: dict[str, float],
        top: tuple[tuple[str, float], ...],
    ) -> RouteDecision:
        """The skill answering from the index (the one nearest by examples, if several)."""
        skill = max(self.grounded, key=lambda name: scores.get(name, 0.0))
        verdict = "decisive" if evidence.decisive else ""
        reason = f"{why}; the index holds {verdict + ', ' if verdict else ''}{evidence.describe()}"
        return RouteDecision(skill, "evidence", evidence.score, reason, top, evidence)


def _normalised(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c.isspace()).split())
