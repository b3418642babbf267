using System.CommandLine;
using HealthLedger.Node.Hosting;

namespace HealthLedger.Cli.Commands;

internal static class InitCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var org = CommonOptions.Organisation();
        var command = new Command("init",
            $"Create a single-node network in a new data folder: keys, genesis block and the first admin user 'admin'. " +
            $"The admin password comes from {CommonOptions.PasswordVariable} when set, otherwise it is generated and printed once.")
        { data, org };
        command.SetAction(parse => Run(parse.GetValue(data)!, parse.GetValue(org)!));
        return command;
    }

    public static int Run(string data, string organisation)
    {
        InitResult result;
        try
        {
            result = NetworkInitializer.Init(data, organisation, CommonOptions.AdminPassword(), TimeProvider.System);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return CommonOptions.Fail(e.Message);
        }
        Print(data, result);
        return 0;
    }

    public static void Print(string data, InitResult result)
    {
        Console.WriteLine($"Created network '{result.NetworkId}' for organisation '{result.OrganisationId}' in {Path.GetFullPath(data)}");
        Console.WriteLine($"Genesis block {result.GenesisHash}");
        if (result.GeneratedPassword is { } password)
        {
            Console.WriteLine($"Admin login: user '{result.AdminUser}', password {password}");
            Console.WriteLine("This password is shown only once. Keep it safe.");
        }
        else
        {
            Console.WriteLine($"Admin login: user '{result.AdminUser}', password from {CommonOptions.PasswordVariable}");
        }
    }
}
