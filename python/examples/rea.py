"""Regularized evolution (Real et al., AAAI 2019, Algorithm 1) as an external
strategy, with NB201's settings as strategies/rea.c: population P = 10,
tournament of S = 3 members drawn with replacement, the child is the winner
with one decision changed (env.mutate), the oldest member dies. The first P
asks are uniform random cells. With several workers, asks beyond the
population while it is empty are random too.
    nastab run --table build/nb201.h5 --dataset cifar10 --runs 500 -o rea.h5 \
        --strategy-exec 'python3 python/examples/rea.py'"""
import collections
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nastab  # noqa: E402

P, S = 10, 3


class REA(nastab.Strategy):
    def __init__(self, env, seed):
        super().__init__(env, seed)
        self.pop = collections.deque()  # (arch, score), oldest first
        self.n_random = 0

    def ask(self):
        if self.n_random < P or not self.pop:
            self.n_random += 1
            return self.env.random_arch(self.rng)
        best = None
        for _ in range(S):
            m = self.pop[self.rng.randrange(len(self.pop))]
            if best is None or m[1] > best[1]:
                best = m
        return self.env.mutate(best[0], self.rng)

    def tell(self, arch, score):
        if len(self.pop) == P:
            self.pop.popleft()
        self.pop.append((arch, score))


if __name__ == "__main__":
    nastab.serve(REA)
