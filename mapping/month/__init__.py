"""The team leader's month: what is counted, printed and sent up by the 5th, 7th and 10th.

- :mod:`mapping.month.activity`: an officer's 활동보고서 for a day (XLSX, PDF);
- :mod:`mapping.month.aggregation`: the month's 취합 (credit by tong ownership, the 취합 서식 XLSX);
- :mod:`mapping.month.meeting`: the sharing-meeting pack (PDF, XLSX);
- :mod:`mapping.month.best_cases`: 실천사례 documents for the gu and the city;
- :mod:`mapping.month.deadlines`: the 5th/7th/10th calendar and weekly outings against the target.
"""
