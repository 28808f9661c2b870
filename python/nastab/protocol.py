"""The child side of nastab's external-strategy protocol (strategies/EXEC_PROTOCOL.md).

`serve(MyStrategy)` reads nastab's messages on stdin, one JSON object a line,
keeps one MyStrategy per run id and answers every ask on stdout. The
protocol's stdout is kept for itself: while serving, print() and anything
else written to file descriptor 1 go to stderr, which nastab quotes when
something fails.
"""
import inspect
import json
import math
import os
import random
import sys
import traceback

PROTOCOL = 1


class Env:
    """What a strategy may know about the problem (strat_env in strategies/strat.h).

    Attributes: space, n_decisions, n_choices, size, fidelities, search_fidelity,
    workers, n_objectives, latency_max (None = unconstrained), lat_ref,
    population, curve_fidelity (0 = no curves), epochs, curve_archs, archs
    (every architecture's official string, in index order) and their decisions.
    """

    def __init__(self, d):
        self.__dict__.update(d)
        self.archs = d.get("archs")
        self.decisions = d.get("decisions")
        if self.latency_max is None:
            self.latency_max = math.inf
        self._index = None

    def index(self, arch):
        """Index of an official string (0 .. size-1); KeyError for a bad string."""
        if self._index is None:
            self._index = {a: i for i, a in enumerate(self.archs)}
        return self._index[arch]

    def random_arch(self, rng):
        """A uniform architecture (one draw)."""
        return self.archs[rng.randrange(self.size)]

    def decisions_of(self, arch):
        return self.decisions[self.index(arch)]

    def arch_of(self, decisions):
        """The official string of a decision vector."""
        if not hasattr(self, "_by_dec"):
            self._by_dec = {tuple(d): i for i, d in enumerate(self.decisions)}
        return self.archs[self._by_dec[tuple(decisions)]]

    def mutate(self, arch, rng):
        """One decision changed to another of its choices, uniformly (two draws)."""
        d = list(self.decisions_of(arch))
        k = rng.randrange(self.n_decisions)
        c = rng.randrange(self.n_choices[k] - 1)
        d[k] = c if c < d[k] else c + 1
        return self.arch_of(d)


class Ask:
    """An ask with a fidelity or an epoch (strat_ask): Ask(arch, fidelity=200),
    Ask(arch, fidelity=200, epoch=22, from_epoch=12). A plain string asks the
    search fidelity."""

    __slots__ = ("arch", "fidelity", "epoch", "from_epoch", "tag")

    def __init__(self, arch, fidelity=None, epoch=0, from_epoch=0, tag=0):
        self.arch, self.fidelity, self.epoch, self.from_epoch, self.tag = arch, fidelity, epoch, from_epoch, tag


class Told:
    """What tell() may also want: the ask echoed and every objective
    (objectives[0] the score, NaN when missing; objectives[1] the latency,
    inf when missing)."""

    __slots__ = ("arch", "fidelity", "epoch", "from_epoch", "tag", "objectives")


WAIT = None  # ask() returns WAIT (None) to wait for a pending result


class Strategy:
    """Subclass and implement ask(self) and tell(self, arch, score[, told]).

    self.env is the Env, self.seed the run's seed and self.rng a
    random.Random(seed): a strategy that draws only from self.rng gives
    bit-identical results for any `nastab run --threads`.
    """

    def __init__(self, env, seed):
        self.env = env
        self.seed = seed
        self.rng = random.Random(seed)

    def ask(self):
        raise NotImplementedError

    def tell(self, arch, score):
        raise NotImplementedError


def _ask_reply(a, env):
    if a is None:
        return '{"wait":true}\n'
    if isinstance(a, str):
        return '{"arch":%s}\n' % json.dumps(a)
    if isinstance(a, Ask):
        d = {"arch": a.arch, "fidelity": a.fidelity if a.fidelity is not None else env.search_fidelity,
             "epoch": a.epoch, "from_epoch": a.from_epoch, "tag": a.tag}
        return json.dumps(d) + "\n"
    raise TypeError("ask() returned %r; expected an architecture string, an nastab.Ask or None (wait)" % (a,))


def serve(cls, stdin=None, stdout=None):
    """Runs the protocol loop for Strategy subclass cls until nastab closes stdin."""
    if stdout is None:
        out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
        os.dup2(2, 1)  # print() from the strategy goes to stderr, not into the protocol
        sys.stdout = sys.stderr
    else:
        out = stdout
    inp = stdin if stdin is not None else sys.stdin
    runs = {}
    env = None
    wants_told = len(inspect.signature(cls.tell).parameters) >= 4
    where = "hello"
    try:
        for line in inp:
            m = json.loads(line)
            t = m["type"]
            if t == "ask":
                where = "ask of run %d" % m["run"]
                out.write(_ask_reply(runs[m["run"]].ask(), env))
                out.flush()
            elif t == "tell":
                where = "tell of run %d" % m["run"]
                obj = m["objectives"]
                score = obj[0] if obj[0] is not None else math.nan
                s = runs[m["run"]]
                if wants_told:
                    told = Told()
                    told.arch, told.fidelity, told.epoch = m["arch"], m["fidelity"], m["epoch"]
                    told.from_epoch, told.tag = m["from_epoch"], m["tag"]
                    told.objectives = [score] + [v if v is not None else math.inf for v in obj[1:]]
                    s.tell(m["arch"], score, told)
                else:
                    s.tell(m["arch"], score)
            elif t == "create":
                where = "create of run %d" % m["run"]
                runs[m["run"]] = cls(env, m["seed"])
            elif t == "destroy":
                runs.pop(m["run"], None)
            elif t == "hello":
                if m["protocol"] != PROTOCOL:
                    raise RuntimeError("nastab speaks protocol %s, this package %d" % (m["protocol"], PROTOCOL))
                env = Env(m["env"])
                out.write('{"type":"hello","protocol":%d}\n' % PROTOCOL)
                out.flush()
            else:
                raise RuntimeError("unknown message type %r" % t)
    except Exception as e:  # reported to nastab, which stops the series and names it
        traceback.print_exc(file=sys.stderr)
        msg = "%s: %s (in %s of %s)" % (type(e).__name__, e, where, cls.__name__)
        out.write(json.dumps({"type": "error", "message": msg}) + "\n")
        out.flush()
        sys.exit(1)
