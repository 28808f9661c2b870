import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../python"))
import nastab

class Raises(nastab.Strategy):
    def ask(self):
        print("printed to stdout by the strategy")
        return self.env.random_arch(self.rng)
    def tell(self, arch, score):
        raise ValueError("tell failed on purpose")

nastab.serve(Raises)
