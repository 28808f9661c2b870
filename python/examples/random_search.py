"""Random search as an external strategy: every ask is a uniform cell at the
search fidelity. Run it with
    nastab run --table build/nb201.h5 --dataset cifar10 --runs 500 -o rs.h5 \
        --strategy-exec 'python3 python/examples/random_search.py'
and gate it against the built-in one with `nastab check`."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nastab  # noqa: E402


class RandomSearch(nastab.Strategy):
    def ask(self):
        return self.env.random_arch(self.rng)

    def tell(self, arch, score):
        pass


if __name__ == "__main__":
    nastab.serve(RandomSearch)
