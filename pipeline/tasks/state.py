"""What a task step reads and writes: one :class:`TaskState` per case, and the records a
scorer and the cases pages see (turns of the transcript, tool calls, a sandbox execution).

Why a state object: a case may be more than one prompt (a conversation, a tool offer, code
that is run), and every step between "render" and "score" needs the same view of it. The
transcript is the record: every message given to the model and every message it wrote, in
order, is stored with the result and shown on the cases pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from pipeline.config.cases import Case
from pipeline.engines.base import Generation, GenerationRequest, Message, ToolCall
from pipeline.guards.base import GuardVerdict


class Turn(TypedDict, total=False):
    """One message of a case's transcript, as stored (JSON) and shown.

    `generated` is true for messages the model wrote. `tool_calls` holds the calls parsed out
    of a generated message. A `sandbox` turn records an execution of the model's code.
    """

    role: Literal["system", "user", "assistant", "tools", "sandbox", "retrieval", "guard"]
    content: str
    generated: bool
    tool_calls: list[ToolCall]
    finish_reason: str | None
    error: str | None


@dataclass(frozen=True)
class ExecutionResult:
    """The model's code run against the case's hidden tests in the sandbox (execute step).

    `code` is what was extracted from the output (None: no code found, nothing ran, status
    ``no_code``). `status` is the sandbox's status (ok, error, timeout, memory, forbidden,
    crashed, output_limit) or ``no_code``. `load_error` is set when the code itself failed to
    compile or import ("SyntaxError: ..."), before any test ran. `failures` holds one line per
    failing test.
    """

    code: str | None
    status: str
    tests_passed: int = 0
    tests_total: int = 0
    load_error: str | None = None
    failures: tuple[str, ...] = ()
    stdout: str = ""
    stderr: str = ""

    def as_turn(self) -> Turn:
        lines = [f"status: {self.status}",
                 f"tests passed: {self.tests_passed}/{self.tests_total}"]
        if self.load_error:
            lines.append(f"load error: {self.load_error}")
        lines += [f"failed: {f}" for f in self.failures]
        if self.stderr.strip():
            lines.append("stderr:\n" + self.stderr[-2000:])
        return Turn(role="sandbox", content="\n".join(lines), generated=False)


@dataclass
class TaskState:
    """A case on its way through the steps of a task. Steps mutate it; the runner reads it.

    `messages` (chat models) or `prompt` (base models) is what the next `generate` sends.
    `samples` are the last generation's samples (`n` of them); `executions` line up with them.
    `first_request` is kept for the stored `prompt` column (the case's opening prompt).
    `error` ends the case early: later steps skip it and its row records the error.
    """

    case: Case
    messages: list[Message] | None = None
    prompt: str | None = None
    tools: list[dict[str, Any]] | None = None
    transcript: list[Turn] = field(default_factory=list)
    samples: list[Generation] = field(default_factory=list)
    executions: list[ExecutionResult | None] = field(default_factory=list)
    first_request: GenerationRequest | None = None
    context: dict[str, Any] = field(default_factory=dict)  # extra template fields (passages)
    retrieved: list[str] = field(default_factory=list)  # passage ids, best first
    verdicts: list[GuardVerdict | None] = field(default_factory=list)  # per sample (guard step)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    error: str | None = None


__all__ = ["ExecutionResult", "TaskState", "ToolCall", "Turn"]
