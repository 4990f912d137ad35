"""Command line: `python -m bot COMMAND`.

  run                     start the bot: Telegram when TELEGRAM_BOT_TOKEN is set, else a terminal chat
  chat                    talk to the bot in this terminal (same engine and rendering)
  ask TEXT [--json]       what the NLU makes of one message
  train [--out DIR]       train a model into models/<timestamp>.tar.gz
  check-content           check content/ and print file:line: problems (exit 1 on errors)
  parity                  differences between the English and Khmer lessons
  preview ID [--lang km]  a lesson exactly as the bot sends it
  healthcheck             exit 0 when the running bot answers (webhook) or beats (polling)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import List, Optional

import bot  # noqa: F401  (turns Rasa's telemetry off before anything imports rasa)
from bot.settings import ROOT, Settings, SettingsError


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run")
    commands.add_parser("chat")
    ask = commands.add_parser("ask")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true")
    train = commands.add_parser("train")
    train.add_argument("--out", default=str(ROOT / "models"))
    train.add_argument("--config", default=str(ROOT / "config.yml"))
    commands.add_parser("check-content")
    commands.add_parser("parity")
    preview = commands.add_parser("preview")
    preview.add_argument("id")
    preview.add_argument("--lang", choices=["km", "en"], default="en")
    commands.add_parser("healthcheck")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"Setting error: {error}", file=sys.stderr)
        return 2
    return COMMANDS[args.command](settings, args)


def cmd_run(settings: Settings, args) -> int:
    if not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN is not set: starting a chat in this terminal instead.\n", file=sys.stderr)
        return cmd_chat(settings, args)
    from bot.telegram.runner import run

    return run(settings)


def cmd_chat(settings: Settings, args) -> int:
    from bot.terminal import chat

    return chat(settings)


def cmd_ask(settings: Settings, args) -> int:
    from bot.nlu_report import ask

    report = asyncio.run(ask(settings, args.text))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"language:   {report['language']}\nintent:     {report['intent']} ({report['confidence']:.2f})")
        print("ranking:    " + ", ".join(f"{r['intent']} {r['confidence']:.2f}" for r in report["ranking"]))
        print("entities:   " + (", ".join(f"{e['entity']}={e['value']}" for e in report["entities"]) or "-"))
        print(f"lesson:     {report['lesson'] or '-'}")
    return 0


def cmd_train(settings: Settings, args) -> int:
    from bot.training import train

    print(train(Path(args.config), Path(args.out)))
    return 0


def cmd_check_content(settings: Settings, args) -> int:
    from bot.content.validator import check

    problems = check(settings.content_dir)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    print(f"{errors} errors, {len(problems) - errors} warnings", file=sys.stderr)
    return 1 if errors else 0


def cmd_parity(settings: Settings, args) -> int:
    from bot.content.validator import parity

    lines = parity(settings.content_dir)
    print("\n".join(lines) if lines else "English and Khmer lessons match in structure.")
    return 0


def cmd_preview(settings: Settings, args) -> int:
    from bot.content.loader import load_library
    from bot.content.render import lesson_message, more_message
    from bot.i18n import Translator
    from bot.terminal import show

    library = load_library(settings.content_dir)
    lesson = library.lessons.get((args.lang, args.id))
    if lesson is None:
        print(f"No lesson '{args.id}' in content/{args.lang}/", file=sys.stderr)
        return 1
    tr = Translator(settings.locale_dir)(args.lang)
    show(lesson_message(lesson, library, tr), html=True)
    for part in range(1, len(lesson.more) + 1):
        print("\n--- " + tr.gettext("More") + f" {part} ---")
        show(more_message(lesson, part, library, tr), html=True)
    return 0


def cmd_healthcheck(settings: Settings, args) -> int:
    from bot.health import check

    healthy, why = check(settings)
    print(why)
    return 0 if healthy else 1


COMMANDS = {
    "run": cmd_run, "chat": cmd_chat, "ask": cmd_ask, "train": cmd_train,
    "check-content": cmd_check_content, "parity": cmd_parity, "preview": cmd_preview,
    "healthcheck": cmd_healthcheck,
}

if __name__ == "__main__":
    sys.exit(main())
