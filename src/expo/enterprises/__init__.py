"""Enterprises of Sichuan: profiles, unified social credit codes, prefectures."""
