"""Kakao Gateway: a KakaoTalk Business messaging gateway that speaks Infobip's Kakao API."""

__version__ = "0.1.0"
