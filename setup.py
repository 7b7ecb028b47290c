"""What pyproject.toml can't say: the bundled sample articles ship inside the package.

The checkout's ``corpus/`` (its articles and synonyms, not a ``sources.txt``) becomes
``bot/samples/`` in the wheel; bot/corpus/samples.py finds them in either place and
tests/test_packaging.py checks the wheel has them.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot", "bot.*"]), "bot.samples"],
    package_dir={"bot.samples": "corpus"},
    package_data={"bot.samples": ["synonyms.txt", "articles/*.txt"]},
)
