# Two commands do everything on a fresh machine with python3 and make:
#   make run    set up, build the index, run the bot (terminal mode without a token)
#   make test   set up and run the whole test suite (what CI runs)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: run test setup lint format bench seed-corpus clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/python -m bot index
	$(BIN)/python -m bot run

# pytest with bytecode caching even where PYTHONDONTWRITEBYTECODE is set: without it each
# worker rewrites every test module's asserts again (seconds) and each `python -m bot` the
# tests start compiles the bot again (__pycache__/ is ignored by git).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy  # strict, over bot/ ([tool.mypy] in pyproject.toml)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 2  # both cores

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python bench/korquad.py
	$(BIN)/python bench/latency.py --passages 100000

# The default corpus, made from the saved pages in ../shared/seeds with the
# project's own importer. Titles and provenance the pages don't state are given here.
SEEDS := ../shared/seeds
seed-corpus: $(STAMP)
	$(BIN)/python -m bot import $(SEEDS)/003_a1e141918c49f7d7.txt \
	  --author "아쉬토시 조갈레카르 (Ashutosh Jogalekar)" \
	  --provenance "3 Quarks Daily에 2025-01-20 실린 'OpenAI보다는 Open AI를 사용하자'의 한국어 번역. 디시인사이드 갤러리 사용자 '사다새8'이 2025-01-31 올림"
	$(BIN)/python -m bot import $(SEEDS)/000_37ee091e0649fb18.txt \
	  --title "딥시크와 스타게이트: 미래를 위한 전투" \
	  --provenance "영어 논평의 한국어 번역으로 보이는 블로그 글(원문 저자·URL은 저장된 페이지에 없음). Ron Unz(Unz Review)와 Benj Edwards(Ars Technica)를 인용하며, 뒷부분은 'WEF Vows Millions of ‘Useless’ Human Workers Will Be Replaced with AI by 2030' 기사의 번역. 제목은 저장된 페이지에 없어 가져올 때 붙였다."

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
