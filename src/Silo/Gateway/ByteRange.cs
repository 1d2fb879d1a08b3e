using System.Globalization;

namespace MyNoSql.Silo.Gateway;

/// <summary>
/// One <c>Range: bytes=…</c> request (RFC 9110 §14): <c>a-b</c>, <c>a-</c> or <c>-n</c> (the last n bytes), resolved
/// against the body's length. A header in another unit is ignored, as the RFC requires, and so is a request for several
/// ranges (which the RFC allows): both get the whole body. A malformed or unsatisfiable range is refused with a reason (416).
/// </summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    /// <summary>The last byte's offset.</summary>
    public long End => Start + Length - 1;

    /// <summary>
    /// Parses <paramref name="header"/> for a body of <paramref name="total"/> bytes: the range (b clamped to the end); or
    /// null with <paramref name="problem"/> when it is malformed or unsatisfiable; or null with no problem when the header
    /// is to be ignored (another unit, several ranges).
    /// </summary>
    public static ByteRange? Parse(string header, long total, out string? problem)
    {
        problem = null;
        const string unit = "bytes=";
        if (!header.StartsWith(unit, StringComparison.OrdinalIgnoreCase)) return null;
        string spec = header[unit.Length..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal)) return null;
        int dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            problem = "a range is 'bytes=first-last', 'bytes=first-' or 'bytes=-suffix'";
            return null;
        }
        string first = spec[..dash].Trim(), last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!TryNumber(last, out long suffix) || suffix == 0)
            {
                problem = "a suffix range 'bytes=-n' needs n ≥ 1";
                return null;
            }
            if (total == 0)
            {
                problem = "the body is empty";
                return null;
            }
            long length = Math.Min(suffix, total);
            return new ByteRange(total - length, length);
        }
        long end = total - 1; // "a-": to the end
        if (!TryNumber(first, out long start) || last.Length > 0 && !TryNumber(last, out end))
        {
            problem = "range bounds must be non-negative integers";
            return null;
        }
        if (end < start)
        {
            problem = $"the range ends ({last}) before it starts ({first})";
            return null;
        }
        if (start >= total)
        {
            problem = $"the range starts at {first}, beyond the body's {total} bytes";
            return null;
        }
        end = Math.Min(end, total - 1);
        return new ByteRange(start, end - start + 1);
    }

    // Digits only; a number too large for a long reads as long.MaxValue (beyond any body, not malformed).
    private static bool TryNumber(string text, out long value)
    {
        value = 0;
        if (text.Length == 0 || text.AsSpan().ContainsAnyExceptInRange('0', '9')) return false;
        value = Number(text);
        return true;
    }

    private static long Number(string digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : long.MaxValue;
}
