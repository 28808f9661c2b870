"""Random search with the median stopping rule (Golovin et al., "Google
Vizier", KDD 2017, sec. 3.2.2) along the 200-epoch curve, as strategies/lcstop.c:
a trial is a uniform cell of env.curve_archs trained epoch by epoch and
reported every curve_fidelity / 20 epochs (10, 20, ..., 200 on NB201), each
report continuing the trial's checkpoint (nastab.Ask with from_epoch: charged
the epochs since the last report plus one validation pass). Once 3 trials have
completed, a trial whose best accuracy is below the median of the completed
trials' running averages at that report is stopped; never at the last
report. One trial per worker (the ask's tag names the worker's slot).
    nastab run --table build/nb201.h5 --dataset cifar10 --runs 100 --restrict-to-curves \
        -o lc.h5 --strategy-exec 'python3 python/examples/lcstop.py'"""
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nastab  # noqa: E402

REPORTS, MIN_COMPLETED = 20, 3


class Trial:
    def __init__(self, arch):
        self.arch, self.k, self.best, self.sum, self.avg, self.ready = arch, 0, -float("inf"), 0.0, [], False


class LCStop(nastab.Strategy):
    def __init__(self, env, seed):
        super().__init__(env, seed)
        step = max(1, env.curve_fidelity // REPORTS)
        e = env.epochs
        self.rep = [x for i, x in enumerate(e) if x % step == 0 or i == len(e) - 1]
        self.slot = [None] * env.workers  # the trial of each worker
        self.done = []                    # running averages of the completed trials

    def ask(self):
        for i, t in enumerate(self.slot):  # continue a trial whose last report is in
            if t is not None and t.ready:
                t.ready = False
                return nastab.Ask(t.arch, fidelity=self.env.curve_fidelity, epoch=self.rep[t.k],
                                  from_epoch=self.rep[t.k - 1], tag=i)
        i = self.slot.index(None)          # nastab asks only for a free worker
        t = self.slot[i] = Trial(self.env.curve_archs[self.rng.randrange(len(self.env.curve_archs))])
        return nastab.Ask(t.arch, fidelity=self.env.curve_fidelity, epoch=self.rep[0], tag=i)

    def tell(self, arch, score, told):
        t = self.slot[told.tag]
        t.best = max(t.best, score)
        t.sum += score
        t.avg.append(t.sum / (t.k + 1))
        k, t.k = t.k, t.k + 1
        if t.k == len(self.rep):           # completed: joins the median's reference set
            self.done.append(t.avg)
            self.slot[told.tag] = None
        elif len(self.done) >= MIN_COMPLETED and t.best < statistics.median(d[k] for d in self.done):
            self.slot[told.tag] = None     # stopped early
        else:
            t.ready = True


if __name__ == "__main__":
    nastab.serve(LCStop)
