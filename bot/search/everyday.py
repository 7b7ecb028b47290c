"""Everyday topics: what a question about something else comes close to.

A question in another language than an article shares no word with it, so whether
the articles answer it rests on its vector alone, and the model puts every question
somewhat close to every passage: "How tall is Mount Everest?" stands as far above
the bundled articles' median (0.045) as some right answers do. What tells them apart
is what else the question is close to. Here are short statements on the topics people
ask a chat bot about that are not in its articles (weather, food, sport, travel,
money, phones, shows, health, school, the law…), in each language articles come in.
An answer in another language must be closer to the question than any of them
(``bot/answers/relevance.py``). A corpus that is about one of these topics is closer
still, because its passages say more about it.

They were written before the English questions of tests/data/english_gate_check.json
and not changed after; each is embedded once, as a passage is, and kept in the vector
cache by its text (``SemanticIndexer.embed_everyday``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .vectors import VectorCache, Vectors, vector_key

__all__ = ["EVERYDAY_TOPICS", "EverydayTopics", "everyday_inputs"]

# The Korean ones and their English translations, line by line.
EVERYDAY_TOPICS: Mapping[str, tuple[str, ...]] = {
    "ko": (
        "내일은 전국에 비가 내리고 기온이 크게 떨어지겠습니다.",
        "이번 주말 서울은 맑고 낮 최고기온이 25도까지 오르겠습니다.",
        "태풍이 북상하면서 남부 지방에 강한 바람과 폭우가 예상됩니다.",
        "미세먼지 농도가 나쁨 수준이라 외출할 때 마스크를 쓰는 것이 좋습니다.",
        "김치찌개는 잘 익은 김치와 돼지고기를 볶은 뒤 물을 붓고 끓이면 맛있습니다.",
        "파스타는 소금을 넣은 끓는 물에 8분 정도 삶은 뒤 소스와 버무립니다.",
        "빵 반죽은 밀가루, 물, 효모, 소금을 섞어 발효시킨 뒤 오븐에 굽습니다.",
        "이 식당은 삼겹살과 냉면이 유명하고 점심시간에는 줄이 깁니다.",
        "커피를 하루에 세 잔 이상 마시면 잠이 잘 오지 않을 수 있습니다.",
        "다이어트를 하려면 식단 조절과 꾸준한 운동이 필요합니다.",
        "감기에 걸리면 충분히 쉬고 물을 많이 마시는 것이 좋습니다.",
        "병원 진료 예약은 전화나 앱으로 할 수 있습니다.",
        "축구 대표팀이 월드컵 예선에서 2대 1로 승리했습니다.",
        "이 선수는 이번 시즌 리그에서 15골을 넣어 득점 1위에 올랐습니다.",
        "프로야구 결승전에서 홈팀이 연장 끝에 우승을 차지했습니다.",
        "올림픽 수영 경기에서 한국 선수가 금메달을 땄습니다.",
        "농구 경기 입장권은 경기장 매표소와 온라인에서 판매합니다.",
        "제주도 여행은 3박 4일 일정으로 한라산과 해변을 둘러보는 코스가 인기입니다.",
        "일본 오사카에서는 도톤보리와 유니버설 스튜디오를 많이 찾습니다.",
        "유럽 배낭여행을 가려면 여권과 기차 패스를 미리 준비해야 합니다.",
        "비행기 표는 출발 두 달 전에 예약하면 더 싸게 살 수 있습니다.",
        "이 호텔은 바다가 보이는 객실과 조식 뷔페로 유명합니다.",
        "프랑스의 수도는 파리이며 에펠탑이 있는 도시입니다.",
        "한강은 서울을 가로질러 서해로 흘러갑니다.",
        "지구는 태양 주위를 1년에 한 바퀴 돕니다.",
        "물은 100도에서 끓고 0도에서 얼기 시작합니다.",
        "공룡은 약 6,600만 년 전에 멸종했습니다.",
        "세종대왕은 1443년에 훈민정음을 만들었습니다.",
        "제2차 세계대전은 1945년에 끝났습니다.",
        "오늘 코스피 지수는 외국인 매도로 1% 하락했습니다.",
        "삼성전자 주가는 반도체 업황 기대감에 5% 올랐습니다.",
        "비트코인 가격은 하루 만에 10% 넘게 급등했습니다.",
        "주택담보대출 금리가 다시 오르면서 이자 부담이 커졌습니다.",
        "적금은 매달 일정 금액을 넣고 만기에 이자와 함께 돌려받는 상품입니다.",
        "연말정산 때 의료비와 교육비는 세액공제를 받을 수 있습니다.",
        "아파트 전세 가격이 석 달 연속 올랐습니다.",
        "새로 나온 스마트폰은 카메라 성능이 좋아지고 배터리가 오래갑니다.",
        "컴퓨터가 느려지면 불필요한 프로그램을 지우고 재부팅해 보세요.",
        "와이파이가 연결되지 않으면 공유기를 껐다가 다시 켜 보세요.",
        "이 노트북은 무게가 1킬로그램으로 가볍고 화면이 선명합니다.",
        "게임 신작이 출시 첫 주에 100만 장이 팔렸습니다.",
        "이번 영화는 개봉 첫 주말에 관객 200만 명을 모았습니다.",
        "인기 드라마의 마지막 회가 시청률 20%를 넘었습니다.",
        "가수의 새 앨범이 음원 차트 1위에 올랐습니다.",
        "그 배우는 결혼 소식을 팬카페에 직접 알렸습니다.",
        "유명 연예인의 이혼 소식이 전해지면서 화제가 되었습니다.",
        "강아지에게 초콜릿을 먹이면 위험할 수 있습니다.",
        "고양이 사료는 나이와 건강 상태에 맞춰 고르는 것이 좋습니다.",
        "새 자동차의 연비는 리터당 15킬로미터입니다.",
        "겨울철에는 타이어 공기압과 배터리를 점검해야 합니다.",
        "지하철 2호선이 신호 장애로 20분 동안 운행을 멈췄습니다.",
        "KTX 서울에서 부산까지는 약 2시간 30분이 걸립니다.",
        "택배는 보통 주문 후 이틀 안에 도착합니다.",
        "온라인 쇼핑몰에서 반품하려면 7일 안에 신청해야 합니다.",
        "대학 입시에서 수능 점수와 내신 성적이 함께 반영됩니다.",
        "영어 공부는 매일 조금씩 듣고 말하는 연습을 하는 것이 효과적입니다.",
        "아이들은 하루 9시간 이상 자는 것이 좋습니다.",
        "이사할 때는 전입신고를 14일 안에 해야 합니다.",
        "결혼식 축의금은 보통 5만 원에서 10만 원 정도를 냅니다.",
        "이번 선거에서 투표율은 66%를 기록했습니다.",
        "국회는 내년도 예산안을 본회의에서 통과시켰습니다.",
        "대통령은 오늘 기자회견에서 경제 정책 방향을 설명했습니다.",
        "법원은 피고인에게 징역 3년을 선고했습니다.",
        "교회와 절에서는 명절에 특별 예배와 법회를 엽니다.",
        "설날에는 떡국을 먹고 어른들께 세배를 합니다.",
        "크리스마스에는 가족과 함께 선물을 주고받습니다.",
        "봄에는 벚꽃 축제가 전국 곳곳에서 열립니다.",
        "등산할 때는 물과 간식을 챙기고 해 지기 전에 내려와야 합니다.",
        "캠핑장에서는 밤에 기온이 낮아지니 침낭을 준비하세요.",
        "헬스장에서 근력 운동을 주 3회 하면 근육량이 늘어납니다.",
        "요가는 유연성과 집중력을 높이는 데 도움이 됩니다.",
        "피아노를 배우려면 기초 악보 읽는 법부터 익혀야 합니다.",
        "그림을 잘 그리려면 매일 스케치 연습을 하는 것이 좋습니다.",
        "이 소설은 전쟁 속에서 살아남은 가족의 이야기를 그립니다.",
        "만화 원작 애니메이션 극장판이 다음 달 개봉합니다.",
        "인터넷 커뮤니티에서 웃긴 글이 올라와 화제가 되었습니다.",
        "청년 실업률이 지난달보다 0.5%포인트 올랐습니다.",
        "최저임금은 내년에 시간당 1만 원을 넘게 됩니다.",
        "회사에서 연차 휴가는 1년에 15일이 주어집니다.",
        "면접에서는 자기소개와 지원 동기를 준비해 가는 것이 좋습니다.",
        "아기 이유식은 생후 6개월부터 시작합니다.",
        "치과에서 스케일링은 1년에 한 번 건강보험이 적용됩니다.",
        "전기요금이 여름철 냉방 수요로 크게 늘었습니다.",
        "분리수거할 때 플라스틱과 비닐은 따로 버려야 합니다.",
        "정원에 토마토를 심으려면 햇빛이 잘 드는 곳이 좋습니다.",
        "바다낚시는 물때를 잘 맞춰 가야 고기가 잘 잡힙니다.",
        "우주 망원경이 먼 은하의 사진을 보내왔습니다.",
        "화성 탐사선이 붉은 행성의 표면에 착륙했습니다.",
        "지진이 발생하면 책상 아래로 몸을 피해야 합니다.",
    ),
    "en": (
        "Tomorrow it will rain across the country and temperatures will drop sharply.",
        "This weekend Seoul will be clear, with highs of up to 25 degrees.",
        "As the typhoon moves north, strong winds and heavy rain are expected in the south.",
        "Fine dust levels are bad, so it is best to wear a mask when going out.",
        "Kimchi stew tastes best when you fry ripe kimchi with pork, add water and boil it.",
        "Boil pasta in salted water for about eight minutes, then toss it with the sauce.",
        "Bread dough is flour, water, yeast and salt, left to rise and then baked.",
        "This restaurant is famous for grilled pork belly and cold noodles; lunch queues are long.",
        "Drinking more than three cups of coffee a day can keep you from sleeping well.",
        "Losing weight takes a controlled diet and regular exercise.",
        "If you catch a cold, rest well and drink plenty of water.",
        "You can book a doctor's appointment by phone or through the app.",
        "The national football team won its World Cup qualifier 2-1.",
        "This player scored 15 goals in the league this season and leads the scoring table.",
        "The home team won the baseball championship final in extra innings.",
        "A Korean swimmer won the gold medal at the Olympics.",
        "Basketball tickets are sold at the stadium box office and online.",
        "A four-day trip to Jeju Island visiting Hallasan and the beaches is a popular itinerary.",
        "In Osaka, many visitors go to Dotonbori and Universal Studios.",
        "Before backpacking around Europe, get your passport and a rail pass ready.",
        "Plane tickets are cheaper if you book two months before departure.",
        "This hotel is known for its sea-view rooms and breakfast buffet.",
        "The capital of France is Paris, the city of the Eiffel Tower.",
        "The Han River flows through Seoul into the Yellow Sea.",
        "The Earth goes around the Sun once a year.",
        "Water boils at 100 degrees and starts to freeze at 0 degrees.",
        "The dinosaurs died out about 66 million years ago.",
        "King Sejong created the Korean alphabet in 1443.",
        "The Second World War ended in 1945.",
        "The KOSPI index fell 1% today as foreign investors sold.",
        "Samsung Electronics shares rose 5% on hopes for the chip market.",
        "The price of Bitcoin jumped more than 10% in a single day.",
        "Mortgage rates are rising again, making interest payments heavier.",
        "A savings plan takes a fixed sum every month and repays it with interest at maturity.",
        "Medical and education expenses can be deducted in the year-end tax settlement.",
        "Apartment rents have risen for three months in a row.",
        "The new smartphone has a better camera and a longer-lasting battery.",
        "If your computer slows down, remove unneeded programs and restart it.",
        "If the Wi-Fi won't connect, turn the router off and on again.",
        "This laptop weighs just one kilogram and has a sharp screen.",
        "The new game sold a million copies in its first week.",
        "The movie drew two million viewers on its opening weekend.",
        "The final episode of the popular drama topped 20% in the ratings.",
        "The singer's new album reached number one on the music charts.",
        "The actor announced the wedding news directly on the fan club page.",
        "News of the famous celebrity's divorce became a hot topic.",
        "Feeding chocolate to a dog can be dangerous.",
        "Choose cat food that suits your cat's age and health.",
        "The new car's fuel economy is 15 kilometres per litre.",
        "In winter, check your tyre pressure and car battery.",
        "Subway Line 2 stopped for 20 minutes because of a signal failure.",
        "The KTX from Seoul to Busan takes about two and a half hours.",
        "Parcels usually arrive within two days of the order.",
        "To return an item to an online shop, you must apply within seven days.",
        "University admissions count both the entrance exam score and school grades.",
        "The best way to learn English is to practise listening and speaking a little every day.",
        "Children should sleep more than nine hours a day.",
        "When you move house, you must report your new address within 14 days.",
        "A wedding gift is usually between 50,000 and 100,000 won.",
        "Turnout in this election was 66%.",
        "The National Assembly passed next year's budget in a plenary session.",
        "The president explained the direction of economic policy at a press conference today.",
        "The court sentenced the defendant to three years in prison.",
        "Churches and temples hold special services on the holidays.",
        "On New Year's Day people eat rice cake soup and bow to their elders.",
        "At Christmas families exchange presents.",
        "In spring, cherry blossom festivals are held all over the country.",
        "When hiking, bring water and snacks and come down before sunset.",
        "Nights at the campsite get cold, so bring a sleeping bag.",
        "Strength training at the gym three times a week builds muscle.",
        "Yoga helps improve flexibility and concentration.",
        "To learn the piano, start by learning to read basic sheet music.",
        "To draw well, it is best to practise sketching every day.",
        "This novel tells the story of a family that survived the war.",
        "The animated film based on the comic opens in cinemas next month.",
        "A funny post on an internet forum went viral.",
        "Youth unemployment rose 0.5 percentage points from last month.",
        "The minimum wage will exceed 10,000 won an hour next year.",
        "Employees get 15 days of paid annual leave a year.",
        "In a job interview, prepare to introduce yourself and explain why you applied.",
        "Babies start eating solid food at six months.",
        "National health insurance covers one dental scaling a year.",
        "Electricity bills rose sharply with summer air conditioning.",
        "When recycling, plastic and vinyl must be thrown out separately.",
        "To grow tomatoes in the garden, choose a spot with plenty of sunlight.",
        "For sea fishing, go at the right tide to catch more fish.",
        "The space telescope sent back pictures of a distant galaxy.",
        "A Mars probe landed on the surface of the red planet.",
        "When an earthquake strikes, take cover under a desk.",
    ),
}


def everyday_inputs(version: str) -> dict[str, str]:
    """Each everyday topic by its vector's cache key (embedded as a passage of that text
    would be: the same key)."""
    return {vector_key(version, text): text for texts in EVERYDAY_TOPICS.values() for text in texts}


class EverydayTopics:
    """A read-only view of the everyday topics' vectors in a local cache (the
    ``SemanticIndexer`` that owns the cache makes them), kept in memory once all of a
    language's are there. The cache is read at a language's first question, and again
    only after ``reload`` (the indexer's, once it has put them there): not at every
    question while they are missing."""

    def __init__(self, cache: VectorCache, version: str) -> None:
        self._cache = cache
        self._version = version
        self._matrices: dict[str, Vectors] = {}  # language -> its topics' vectors
        self._read: set[str] = set()  # languages read from the cache since ``reload``

    def reload(self) -> None:
        """Read the cache again for the languages that were missing vectors."""
        self._read.clear()

    def closest(self, question: Vectors, language: str) -> float | None:
        """The highest cosine of ``question`` to a topic in ``language``; None when there
        are none in it, or not all of them had their vector when last read."""
        matrix = self._matrices.get(language)
        if matrix is None:
            texts = EVERYDAY_TOPICS.get(language)
            if not texts or language in self._read:
                return None
            self._read.add(language)
            keys = [vector_key(self._version, text) for text in texts]
            found = self._cache.get_many(keys)
            if len(found) < len(keys):
                return None
            matrix = self._matrices[language] = np.stack([found[key] for key in keys])
        return float((matrix @ question).max())
