"""A question that asks when, or how many, is answered by a passage that has a date or a
number in it: one about the same subject without one can't answer it."""

from __future__ import annotations

import pytest

from bot import AnswerService, Library, Settings
from bot.answers import Turn
from bot.answers.answer_kinds import AnswerKind, expected_kind, holds_kind
from bot.corpus import Article, CorpusStore
from bot.search import Term

# The model page says more of the question's words; only the news item says when.
MODEL_PAGE = Article(
    id="model-page",
    title="딥시크 R1 모델",
    body="딥시크는 R1 모델을 공개했다. 딥시크 R1 모델은 추론을 잘한다고 한다.",
    language="ko",
)
NEWS = Article(
    id="news",
    title="AI 소식",
    body="중국의 딥시크는 2025년 1월 20일 새 모델 R1을 공개했다.",
    language="ko",
)
# Both say how the model was trained; only one says with how many chips.
TRAINING = Article(
    id="training",
    title="딥시크의 훈련",
    body="딥시크는 적은 칩으로 모델을 훈련했다. 딥시크의 모델 훈련에는 칩이 많이 들지 않았다.",
    language="ko",
)
CHIPS = Article(
    id="chips",
    title="딥시크의 칩",
    body="훈련에는 엔비디아 H800 2,048대가 쓰였다.",
    language="ko",
)

# A follow-up ("중국은?") asks what its earlier question asked: when.
US_RULES = Article(
    id="us-rules",
    title="미국의 규칙",
    body="미국은 2024년 5월에 반도체 수출 규칙을 발표했다.",
    language="ko",
)
CHINA_PLAN = Article(
    id="china-plan",
    title="중국의 규칙",
    body="중국은 반도체 수출 규칙을 발표할 것이라고 밝혔다. 중국은 규칙을 검토하고 있다.",
    language="ko",
)
CHINA_DATE = Article(
    id="china-date",
    title="무역 소식",
    body="중국은 2025년 3월에 반도체 수출 규칙을 발표했다.",
    language="ko",
)


@pytest.fixture(scope="module")
def service(analyzer, tmp_path_factory) -> AnswerService:
    folder = tmp_path_factory.mktemp("kinds")
    store = CorpusStore(folder / "corpus")
    for article in (MODEL_PAGE, NEWS, TRAINING, CHIPS, US_RULES, CHINA_PLAN, CHINA_DATE):
        store.save_article(article)
    settings = Settings(corpus_dir=folder / "corpus", data_dir=folder / "data", retrieval="bm25")
    return Library(settings, analyzer=analyzer).open_service()


def test_a_passage_that_says_when_answers_a_when_question(service):
    assert service.ask("딥시크 R1 모델 공개").hits[0].article.id == "model-page"
    assert service.ask("딥시크 R1 모델은 언제 공개했어?").hits[0].article.id == "news"


def test_a_passage_with_a_number_answers_a_how_many_question(service):
    assert service.ask("딥시크는 무슨 칩으로 모델을 훈련했어?").hits[0].article.id == "training"
    assert service.ask("딥시크는 칩 몇 대로 모델을 훈련했어?").hits[0].article.id == "chips"


def test_a_follow_up_asks_for_what_its_earlier_question_asked_for(service):
    asked = service.ask("미국은 반도체 수출 규칙을 언제 발표했어?")
    assert asked.hits[0].article.id == "us-rules"
    assert service.ask("중국은 반도체 수출 규칙을 발표했어?").hits[0].article.id == "china-plan"
    followed = service.ask("중국은?", context=Turn.of(asked))
    assert followed.followup_of is not None
    assert followed.hits[0].article.id == "china-date"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("딥시크 R1은 언제 나왔어?", AnswerKind.TIME),
        ("몇 년에 세워졌나요?", AnswerKind.TIME),
        ("출시 연도는?", AnswerKind.TIME),
        ("When was R1 released?", AnswerKind.TIME),
        ("파라미터가 몇 개야?", AnswerKind.QUANTITY),
        ("훈련 비용은 얼마야?", AnswerKind.QUANTITY),
        ("훈련하는 데 얼마나 걸렸어?", AnswerKind.QUANTITY),
        ("How many tokens was it trained on?", AnswerKind.QUANTITY),
        ("론 언즈는 몇 살이야?", AnswerKind.AGE),
        ("트럼프 나이가 어떻게 돼?", AnswerKind.AGE),
        ("How old is Ron Unz?", AnswerKind.AGE),
        ("몇 세기에 지어졌나?", AnswerKind.TIME),  # a century, not an age
        ("나이지리아의 AI 정책은?", None),  # Nigeria
        ("iPhone X는 얼마에 팔렸어?", AnswerKind.PRICE),
        ("회의 참가비는 얼마야?", AnswerKind.PRICE),
        ("How much did GPT-4 cost to train?", AnswerKind.PRICE),
        ("벌금이 얼마야?", AnswerKind.QUANTITY),  # a fine may be a share of turnover
        ("주가는 얼마나 떨어졌어?", None),  # a fall, maybe in percent
        ("평균값은 얼마야?", AnswerKind.QUANTITY),  # a value, not a price
        ("점유율이 얼마에요?", AnswerKind.QUANTITY),  # 얼마예요, misspelt
        ("수수료율은 얼마야?", AnswerKind.QUANTITY),
        ("How much did it cost them in time?", AnswerKind.QUANTITY),
        ("What happens in the age of AI?", None),
        ("몇 세트 남았어?", AnswerKind.QUANTITY),
        ("나이 제한이 있어?", None),
        # Asking nothing of a date or a number:
        ("오픈소스가 얼마나 중요해?", None),  # a degree: an opinion holds no number
        ("얼마 전에 나온 모델은?", None),  # "a while ago"
        ("몇몇 나라는 왜 반대해?", None),  # "some"
        ("언제든 쓸 수 있어?", None),  # "any time"
        ("딥시크는 누가 만들었어?", None),
        ("R1의 특징 몇 가지만 알려줘", None),  # "a few"
        ("며칠 전에 나온 모델은?", None),  # "a few days ago"
        ("얼마든지 고쳐 쓸 수 있어?", None),  # "as much as you like"
        ("얼마나 적극적으로 투자해?", None),  # a degree
        ("What did DeepSeek say when it released R1?", None),  # "when" joins, not asks
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert expected_kind(question) is kind


def test_what_holds_an_age():
    assert holds_kind("그는 향년 63세로 세상을 떠났다.", [], AnswerKind.AGE)
    assert holds_kind("여덟 살에 왕세손이 되었다.", [], AnswerKind.AGE)
    assert holds_kind("이순신(1545년 4월 28일 ~ 1598년 12월 16일)은 무신이다.", [], AnswerKind.AGE)
    assert holds_kind("He was born in Ohio.", [], AnswerKind.AGE)
    assert holds_kind("창업자 량원펑(40)은 말했다.", [], AnswerKind.AGE)
    assert holds_kind("A 41-year-old engineer founded it.", [], AnswerKind.AGE)
    assert holds_kind("빌 게이츠(1955년 10월 ~ )는 기업가다.", [], AnswerKind.AGE)
    # Years, centuries, generations and ranks are no age.
    assert not holds_kind("2003년에서 2007년 사이에 60개 기술에서 앞섰다.", [], AnswerKind.AGE)
    assert not holds_kind("21세기 3세대 모델로 세계 2위다.", [], AnswerKind.AGE)
    assert AnswerKind.AGE.required and not AnswerKind.TIME.required


def test_what_holds_a_price():
    for text in (
        "999달러에 나왔다.",
        "558만 달러에 불과하다.",
        "수천억 원을 썼다.",
        "It cost $30.",
        "월 2만원인 요금제",
        "about 5.58 million dollars",
        "무료로 다운로드할 수 있다.",  # no price is a price
    ):
        assert holds_kind(text, [], AnswerKind.PRICE), text
    for text in ("3원칙을 세웠다.", "엔비디아 주가는 5% 떨어졌다.", "BYD, Geely 등이 이끈다."):
        assert not holds_kind(text, [], AnswerKind.PRICE), text
    assert AnswerKind.PRICE.required and not AnswerKind.QUANTITY.required


def test_what_holds_a_time_or_a_quantity():
    assert holds_kind("2025년 1월에 나왔다.", [], AnswerKind.TIME)
    assert holds_kind("월요일에 공개했다.", [], AnswerKind.TIME)
    assert not holds_kind("칩 2,048개를 썼다.", [], AnswerKind.TIME)
    assert holds_kind("칩 2,048개를 썼다.", [], AnswerKind.QUANTITY)
    # A numeral written in letters is a number term of the analyzer's.
    assert holds_kind("칩 수천 개를 썼다.", [Term("수천", 2, 4, "number")], AnswerKind.QUANTITY)
    assert not holds_kind("칩을 많이 썼다.", [Term("칩", 0, 1)], AnswerKind.QUANTITY)
    # Digits glued to letters name a model; a four-digit count is not a year.
    assert not holds_kind(
        "R1과 GPT-4를 비교했다.", [Term("4", 10, 11, "number")], AnswerKind.QUANTITY
    )
    assert not holds_kind("o1 시리즈와 GPU 2048개", [], AnswerKind.TIME)
