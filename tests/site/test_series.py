from pipeline.site.builder.series import SeriesEntry, series_nav

A = SeriesEntry("Part 1", 3, "First", "posts/a.md")
B = SeriesEntry("Part 1", 5, "Second [draft]", "posts/b.md")
C = SeriesEntry("Part 1", 9, "Third", "posts/sub/c.md")
OTHER = SeriesEntry("Part 2", 1, "Elsewhere", "posts/o.md")


def test_prev_and_next_follow_the_numbers():
    nav = series_nav(B, [C, OTHER, A, B])
    assert "**Part 1**, post 2 of 3" in nav
    assert "← previous: [First](a.md)" in nav and "next: [Third](sub/c.md) →" in nav


def test_ends_and_singletons():
    assert "previous" not in series_nav(A, [A, B]) and "next: [Second \\[draft\\]](b.md)" in \
        series_nav(A, [A, B])
    assert series_nav(OTHER, [A, OTHER]) == ""


def test_part_orders_the_series_when_it_differs_from_the_post_numbers():
    part1 = SeriesEntry("Suites", 4, "Part one", "posts/p1.md", part=1)
    part2 = SeriesEntry("Suites", 3, "Part two", "posts/p2.md", part=2)
    nav = series_nav(part1, [part2, part1])
    assert "post 1 of 2" in nav and "next: [Part two](p2.md)" in nav
    assert "previous" not in nav
