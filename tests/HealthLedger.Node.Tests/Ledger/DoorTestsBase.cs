using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Ledger;

/// <summary>
/// A network initialised in a temporary folder and its node opened without a host (no block loop, no peers): the door, the
/// mempool and block building driven by the test. The admin's keys sign the test's transactions.
/// </summary>
public abstract class DoorTestsBase : IDisposable
{
    /// <summary>Initialises the network and opens its node.</summary>
    protected DoorTestsBase()
    {
        var data = Folder.Combine("data");
        Organisation = NetworkInitializer.Init(data, "Fixture Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly).OrganisationId;
        using (var keystore = Keystore.Open(new DataDirectory(data).KeystorePath))
        {
            Admin = keystore.Unseal(NetworkInitializer.AdminUser, NodeFixture.Password)!;
        }
        Node = LedgerNode.Open(new NodeOptions { DataDirectory = data });
    }

    /// <summary>The temporary folder holding the node's data.</summary>
    protected TempDirectory Folder { get; } = new();

    /// <summary>The opened node.</summary>
    protected LedgerNode Node { get; }

    /// <summary>The first admin's keys.</summary>
    protected UserKeys Admin { get; }

    /// <summary>The organisation's id.</summary>
    protected string Organisation { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the node and deletes its folder.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        Node.Dispose();
        Admin.Dispose();
        Folder.Dispose();
    }
}
