using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>The one factory of a node's ledger: which store a <c>store</c> setting selects, and that it never shows a password.</summary>
public sealed class LedgerLocationTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("  ", false)]
    [InlineData("sqlite", false)]
    [InlineData(" SQLite ", false)]
    [InlineData("Host=db;Database=ledger;Username=clinic", true)]
    public void A_store_setting_selects_SQLite_unless_it_is_a_connection_string(string? setting, bool postgres)
    {
        using var folder = new TempDirectory();
        var location = new LedgerLocation(folder.Path, setting);
        Assert.Equal(postgres, location.IsPostgres);
        Assert.Equal(folder.Combine(SqliteLedgerStore.FileName), location.LedgerPath);
        Assert.Equal(folder.Combine(DocumentStore.FolderName), location.DocumentsPath);
        Assert.False(location.Exists);
    }

    [Fact]
    public void Its_text_and_the_setting_problems_name_the_server_never_the_password()
    {
        using var folder = new TempDirectory();
        var location = new LedgerLocation(folder.Path, "Host=db.example;Port=6543;Database=ledger;Username=clinic;Password=Hunter2-secret");
        Assert.Equal("PostgreSQL database 'ledger' on db.example:6543 as user 'clinic'", location.ToString());
        Assert.Null(LedgerLocation.SettingProblem("Host=db.example;Database=ledger;Password=Hunter2-secret"));
        Assert.Null(LedgerLocation.SettingProblem("sqlite"));
        Assert.Null(LedgerLocation.SettingProblem(null));
        var unparsable = LedgerLocation.SettingProblem("Hots=db.example;Password=Hunter2-secret");
        Assert.NotNull(unparsable);
        Assert.DoesNotContain("Hunter2", unparsable);
        Assert.Equal("the PostgreSQL connection string names no Host", LedgerLocation.SettingProblem("Database=ledger;Password=Hunter2-secret"));
    }

    // break: a connection string without Database= used the user's default database (a superuser's 'postgres') in silence; an
    // empty store setting meant SQLite in silence.
    [Theory]
    [InlineData("Host=db.example;Username=clinic;Password=Hunter2-secret")]
    [InlineData("Host=db.example;Database= ;Username=clinic")]
    public void A_connection_string_without_a_database_is_refused_naming_the_missing_key(string setting)
    {
        var problem = LedgerLocation.SettingProblem(setting);
        Assert.StartsWith("the PostgreSQL connection string names no Database (add Database=", problem);
        Assert.DoesNotContain("Hunter2", problem);
        using var folder = new TempDirectory();
        var opening = Assert.Throws<StoreUnavailableException>(() => new LedgerLocation(folder.Path, setting).Open(create: true));
        Assert.Equal(problem, opening.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_store_setting_is_a_problem_not_SQLite_in_silence(string setting) =>
        Assert.StartsWith("it is empty (leave it out, or write 'sqlite'", LedgerLocation.SettingProblem(setting));

    [Fact]
    public void A_PostgreSQL_ledger_exists_once_its_tip_record_is_in_the_folder()
    {
        using var folder = new TempDirectory();
        var location = new LedgerLocation(folder.Path, "Host=db;Database=ledger");
        Assert.False(location.Exists);
        LedgerTip.Write(location.LedgerPath, new LedgerTip(0, new Core.Primitives.Hash256(new byte[32])));
        Assert.True(location.Exists);
        Assert.False(new LedgerLocation(folder.Path).Exists); // SQLite needs its file
    }
}
