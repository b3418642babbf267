using HealthLedger.Core.Model;
using HealthLedger.Node.Localization;
using HealthLedger.Node.People;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Printouts;

/// <summary>
/// How a printout shows amounts, times, dates and people, through the same code the pages use (one instance per printout,
/// <see cref="PrintoutRecorder.Style"/>): amounts with the ISO currency code in the hospital's number format
/// (<see cref="HospitalFormat.Money"/>, "EUR 1,234.50"); instants in the hospital's time zone and culture with the zone
/// named, clinical times to the minute (<see cref="HospitalTime.Show"/>, "30.11.2026 15:05 Europe/Berlin") and block times
/// to the second (<see cref="HospitalTime.ShowExact"/>, "30.11.2026 15:05:07 Europe/Berlin"); dates in the culture's short
/// pattern (<see cref="HospitalTime.ShowDate"/>); and people by the name the reader may see (<see cref="PersonNames.Of"/>:
/// doctors by their directory name, patients by name only when the reader sees their demographics, staff by role and id),
/// followed by the id when the name does not contain it ("Dana Print (dr-print)", "Pathologist pa-one").
/// <para>
/// Everything it prints depends only on the node's settings, the chain and the reader's access, so a printout stays
/// deterministic for a given reader's view on a given node (<see cref="PrintoutWriter"/>).
/// </para>
/// </summary>
public sealed class PrintoutStyle(HospitalFormat format, HospitalTime time, PersonNames names, UserSession reader)
{
    /// <summary>The reader the printout is made for.</summary>
    public UserSession Reader { get; } = reader;

    /// <summary>An amount with its currency code, two decimals, in the hospital's number format.</summary>
    public string Money(decimal amount) => format.Money(amount);

    /// <summary>An instant as local date and time to the minute in the hospital's culture, then the zone's name.</summary>
    public string Time(DateTimeOffset at) => $"{time.Show(at)} {time.ZoneName}";

    /// <summary>A block time (ledger proofs, signatures) to the second in the hospital's zone and culture, then the zone's name (<see cref="HospitalTime.ShowExact"/>).</summary>
    public string BlockTime(DateTimeOffset at) => $"{time.ShowExact(at)} {time.ZoneName}";

    /// <summary>A block time in Unix milliseconds (<see cref="Core.Records.RecordProof.Timestamp"/>), as <see cref="BlockTime(DateTimeOffset)"/> shows it.</summary>
    public string BlockTime(ulong unixMilliseconds) => BlockTime(DateTimeOffset.FromUnixTimeMilliseconds((long)unixMilliseconds));

    /// <summary>A date in the hospital culture's short date pattern.</summary>
    public string Date(DateOnly day) => time.ShowDate(day);

    /// <summary>The local day (hospital time zone) of an instant, in the hospital culture's short date pattern.</summary>
    public string Date(DateTimeOffset at) => time.ShowDate(DateOnly.FromDateTime(time.Local(at).DateTime));

    /// <summary>A person (user, organisation) by the name the reader may see, with the id after it unless the name contains it; "" for "".</summary>
    public string Person(string id)
    {
        var name = names.Of(Reader, id);
        return name.Contains(id, StringComparison.Ordinal) ? name : $"{name} ({id})";
    }

    /// <summary>
    /// The reader as a printout's signature block names them: a doctor or patient by name and id, then their role
    /// ("Dana Print (dr-print), doctor", "Noah None (pt-1), the patient"); other staff, who have no name, by role and id ("Admin admin").
    /// </summary>
    public string ReaderLine => Reader.Role switch
    {
        Role.Doctor => $"{Person(Reader.UserId)}, doctor",
        Role.Patient => $"{Person(Reader.UserId)}, the patient",
        _ => Person(Reader.UserId),
    };
}
