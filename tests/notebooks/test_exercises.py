"""The exercise widgets check answers (built in plain Python, no kernel)."""

from __future__ import annotations

from cognito_mfa_kit import course
from cognito_mfa_kit.ui.exercises import Quiz, Task


def test_every_quiz_has_its_answer_among_the_options() -> None:
    for key, (_q, options, answer, _why) in course.QUIZZES.items():
        assert answer in options, key
        assert course.quiz(key).check(answer) is True


def test_quiz_says_not_yet_for_a_wrong_choice_then_correct() -> None:
    quiz = Quiz("2+2?", ["3", "4"], "4", why="arithmetic")
    assert quiz.check() is False and "Choose" in quiz.feedback.value  # nothing chosen
    assert quiz.check("3") is False and not quiz.passed and "Not yet" in quiz.feedback.value
    assert quiz.check("4") is True and quiz.passed and "arithmetic" in quiz.feedback.value
    assert quiz.attempts == 2
    assert quiz.check("5") is False  # not an option: refused, nothing raised


def test_live_answer_and_task_never_raise() -> None:
    def boom() -> str:
        raise RuntimeError("sandbox down")

    assert Quiz("?", ["a", "b"], boom).check("a") is False
    task = Task("do it", lambda: (False, "not done"))
    assert task.check() is False and "not done" in task.feedback.value
    task = Task("do it", boom)
    assert task.check() is False and not task.passed
    assert Task("do it", lambda: (True, "done")).check() is True
