<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>gridplanner</name>
    <message>
        <source>MBTiles 文件</source>
        <translation>MBTiles file</translation>
    </message>
    <message>
        <source>URL 模板</source>
        <translation>URL template</translation>
    </message>
    <message>
        <source>上限</source>
        <translation>Maximum</translation>
    </message>
    <message>
        <source>下限</source>
        <translation>Minimum</translation>
    </message>
    <message>
        <source>不透明度</source>
        <translation>Opacity</translation>
    </message>
    <message>
        <source>专属类型</source>
        <translation>Institution</translation>
    </message>
    <message>
        <source>专属网格</source>
        <translation>Dedicated grid</translation>
    </message>
    <message>
        <source>专属网格（免考核）</source>
        <translation>Dedicated grid (exempt)</translation>
    </message>
    <message>
        <source>人口</source>
        <translation>Population</translation>
    </message>
    <message>
        <source>从自动备份恢复</source>
        <translation>Recovered from autosave</translation>
    </message>
    <message>
        <source>低于目标 15–40%</source>
        <translation>15–40% below target</translation>
    </message>
    <message>
        <source>低于目标 40% 以上</source>
        <translation>more than 40% below target</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>修改类型</source>
        <translation>Change kind</translation>
    </message>
    <message>
        <source>修改网格员折算</source>
        <translation>Change worker capacity</translation>
    </message>
    <message>
        <source>修改配比标准</source>
        <translation>Change sizing</translation>
    </message>
    <message>
        <source>偏差</source>
        <translation>Deviation</translation>
    </message>
    <message>
        <source>全图</source>
        <translation>Full extent</translation>
    </message>
    <message>
        <source>分辨率 (dpi)</source>
        <translation>Resolution (dpi)</translation>
    </message>
    <message>
        <source>发现该方案未保存的自动备份（程序上次可能异常退出）。是否恢复？</source>
        <translation>An unsaved autosave of this plan was found (the app may have crashed). Recover it?</translation>
    </message>
    <message>
        <source>另存为</source>
        <translation>Save as</translation>
    </message>
    <message>
        <source>另存为…</source>
        <translation>Save as…</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>图例</source>
        <translation>Legend</translation>
    </message>
    <message>
        <source>图层</source>
        <translation>Layers</translation>
    </message>
    <message>
        <source>在线瓦片 (XYZ)</source>
        <translation>Online tiles (XYZ)</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>宽 (mm)</source>
        <translation>Width (mm)</translation>
    </message>
    <message>
        <source>密钥 (key)</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>导出地图</source>
        <translation>Export map</translation>
    </message>
    <message>
        <source>导出地图…</source>
        <translation>Export map…</translation>
    </message>
    <message>
        <source>层级</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>层级树</source>
        <translation>Hierarchy</translation>
    </message>
    <message>
        <source>属性</source>
        <translation>Properties</translation>
    </message>
    <message>
        <source>工具</source>
        <translation>Tools</translation>
    </message>
    <message>
        <source>工具栏</source>
        <translation>Toolbar</translation>
    </message>
    <message>
        <source>已从自动备份恢复，请保存</source>
        <translation>Recovered from autosave; please save</translation>
    </message>
    <message>
        <source>已保存</source>
        <translation>Saved</translation>
    </message>
    <message>
        <source>已导出</source>
        <translation>Exported</translation>
    </message>
    <message>
        <source>已自动备份</source>
        <translation>Autosaved</translation>
    </message>
    <message>
        <source>平移</source>
        <translation>Pan</translation>
    </message>
    <message>
        <source>应用</source>
        <translation>Apply</translation>
    </message>
    <message>
        <source>底图</source>
        <translation>Basemap</translation>
    </message>
    <message>
        <source>底图…</source>
        <translation>Basemap…</translation>
    </message>
    <message>
        <source>底图设置</source>
        <translation>Basemap settings</translation>
    </message>
    <message>
        <source>当前图层即地图点选的层级</source>
        <translation>Clicks on the map select features of the current layer</translation>
    </message>
    <message>
        <source>户</source>
        <translation>households</translation>
    </message>
    <message>
        <source>户/人</source>
        <translation>hh/worker</translation>
    </message>
    <message>
        <source>户/人偏差</source>
        <translation>households-per-worker deviation</translation>
    </message>
    <message>
        <source>户数</source>
        <translation>Households</translation>
    </message>
    <message>
        <source>打开…</source>
        <translation>Open…</translation>
    </message>
    <message>
        <source>打开方案</source>
        <translation>Open plan</translation>
    </message>
    <message>
        <source>折算</source>
        <translation>Capacity</translation>
    </message>
    <message>
        <source>拉框缩放</source>
        <translation>Zoom box</translation>
    </message>
    <message>
        <source>按层级</source>
        <translation>By level</translation>
    </message>
    <message>
        <source>按户/人偏差分级</source>
        <translation>Graduated by hh/worker deviation</translation>
    </message>
    <message>
        <source>按网格分类</source>
        <translation>categorical by grid</translation>
    </message>
    <message>
        <source>按网格分类着色</source>
        <translation>Categorical by grid</translation>
    </message>
    <message>
        <source>接近目标 ±15%</source>
        <translation>within ±15% of target</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>放大</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>方案有未保存的修改。是否保存？</source>
        <translation>The plan has unsaved changes. Save them?</translation>
    </message>
    <message>
        <source>无底图</source>
        <translation>No basemap</translation>
    </message>
    <message>
        <source>无网格员</source>
        <translation>no worker</translation>
    </message>
    <message>
        <source>显示标注</source>
        <translation>Show labels</translation>
    </message>
    <message>
        <source>普通网格</source>
        <translation>Ordinary grid</translation>
    </message>
    <message>
        <source>最近打开</source>
        <translation>Recent files</translation>
    </message>
    <message>
        <source>未选择要素</source>
        <translation>Nothing selected</translation>
    </message>
    <message>
        <source>本范围单独设置</source>
        <translation>Own sizing for this scope</translation>
    </message>
    <message>
        <source>样式</source>
        <translation>Style</translation>
    </message>
    <message>
        <source>核查问题</source>
        <translation>Findings</translation>
    </message>
    <message>
        <source>楼栋</source>
        <translation>Buildings</translation>
    </message>
    <message>
        <source>比例尺</source>
        <translation>Scale</translation>
    </message>
    <message>
        <source>比例尺 1:</source>
        <translation>Scale 1:</translation>
    </message>
    <message>
        <source>河流</source>
        <translation>River</translation>
    </message>
    <message>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>海岸线</source>
        <translation>Coast</translation>
    </message>
    <message>
        <source>目标</source>
        <translation>Target</translation>
    </message>
    <message>
        <source>离线 MBTiles 文件</source>
        <translation>Offline MBTiles file</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>未注明</source>
        <translation>not stated</translation>
    </message>
    <message>
        <source>级别</source>
        <translation>Severity</translation>
    </message>
    <message>
        <source>纬度</source>
        <translation>Lat</translation>
    </message>
    <message>
        <source>经度</source>
        <translation>Lon</translation>
    </message>
    <message>
        <source>绘制失败</source>
        <translation>Rendering failed</translation>
    </message>
    <message>
        <source>统计</source>
        <translation>Tallies</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>编码</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>缩小</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <source>缩放到选中</source>
        <translation>Zoom to selection</translation>
    </message>
    <message>
        <source>网格化管理规划工具</source>
        <translation>Grid planner</translation>
    </message>
    <message>
        <source>网格员</source>
        <translation>Workers</translation>
    </message>
    <message>
        <source>自动备份失败</source>
        <translation>Autosave failed</translation>
    </message>
    <message>
        <source>视图</source>
        <translation>View</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>识别</source>
        <translation>Identify</translation>
    </message>
    <message>
        <source>语言 / Language</source>
        <translation>语言 / Language</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>选择</source>
        <translation>Select</translation>
    </message>
    <message>
        <source>道路</source>
        <translation>Road</translation>
    </message>
    <message>
        <source>道路水系</source>
        <translation>Roads and water</translation>
    </message>
    <message>
        <source>配比标准（户/人）</source>
        <translation>Sizing (households per worker)</translation>
    </message>
    <message>
        <source>重做</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>重命名</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>错误</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>需满足：下限 ≤ 目标 ≤ 上限</source>
        <translation>Needs minimum ≤ target ≤ maximum</translation>
    </message>
    <message>
        <source>高 (mm)</source>
        <translation>Height (mm)</translation>
    </message>
    <message>
        <source>高于目标 15–40%</source>
        <translation>15–40% above target</translation>
    </message>
    <message>
        <source>高于目标 40% 以上</source>
        <translation>more than 40% above target</translation>
    </message>
    <message>
        <source>&lt;打开的方案&gt;</source>
        <translation>&lt;opened plan&gt;</translation>
    </message>
    <message>
        <source>与所选版本比较</source>
        <translation>Compare with selected version</translation>
    </message>
    <message>
        <source>与所选版本相比</source>
        <translation>Compared with the chosen version</translation>
    </message>
    <message>
        <source>与文件比较…</source>
        <translation>Compare with file…</translation>
    </message>
    <message>
        <source>个</source>
        <translation> </translation>
    </message>
    <message>
        <source>个文件</source>
        <translation>files</translation>
    </message>
    <message>
        <source>个网格</source>
        <translation>grids</translation>
    </message>
    <message>
        <source>个问题</source>
        <translation>findings</translation>
    </message>
    <message>
        <source>个阻断</source>
        <translation>blocking</translation>
    </message>
    <message>
        <source>令牌</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>作者</source>
        <translation>Author</translation>
    </message>
    <message>
        <source>保留现有网格，均衡负荷</source>
        <translation>Keep grids, even out loads</translation>
    </message>
    <message>
        <source>修复</source>
        <translation>Fix</translation>
    </message>
    <message>
        <source>修复建议</source>
        <translation>Suggested fix</translation>
    </message>
    <message>
        <source>共</source>
        <translation>in all</translation>
    </message>
    <message>
        <source>其他社区的单元未划入（不跨社区调整）</source>
        <translation>Units of other communities were left out (painting never crosses communities)</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>removed</translation>
    </message>
    <message>
        <source>包含网格员联系电话</source>
        <translation>Include workers' phone numbers</translation>
    </message>
    <message>
        <source>历史与比较…</source>
        <translation>History and compare…</translation>
    </message>
    <message>
        <source>原编码</source>
        <translation>Old code</translation>
    </message>
    <message>
        <source>原网格</source>
        <translation>Old grid</translation>
    </message>
    <message>
        <source>取消计算</source>
        <translation>Cancel run</translation>
    </message>
    <message>
        <source>变化</source>
        <translation>changed</translation>
    </message>
    <message>
        <source>只能合并网格或网格单元</source>
        <translation>Only grids or grid units can be merged</translation>
    </message>
    <message>
        <source>合并所选</source>
        <translation>Merge selected</translation>
    </message>
    <message>
        <source>套索划入</source>
        <translation>Lasso paint</translation>
    </message>
    <message>
        <source>导出失败</source>
        <translation>Export failed</translation>
    </message>
    <message>
        <source>导出数据</source>
        <translation>Export data</translation>
    </message>
    <message>
        <source>导出数据…</source>
        <translation>Export data…</translation>
    </message>
    <message>
        <source>平台地址</source>
        <translation>Platform URL</translation>
    </message>
    <message>
        <source>平衡失败</source>
        <translation>Balancing failed</translation>
    </message>
    <message>
        <source>应用所选问题的修复建议</source>
        <translation>Apply the selected finding's suggested fix</translation>
    </message>
    <message>
        <source>忽略阻断性核查问题（记录在回执中）</source>
        <translation>Ignore blocking findings (recorded in the receipt)</translation>
    </message>
    <message>
        <source>忽略阻断性核查问题（记录在案）</source>
        <translation>Ignore blocking findings (recorded)</translation>
    </message>
    <message>
        <source>拖到另一个网格上即可调动</source>
        <translation>Drag onto another grid to move this worker</translation>
    </message>
    <message>
        <source>按偏差着色</source>
        <translation>Colour by deviation</translation>
    </message>
    <message>
        <source>按目标户数重划</source>
        <translation>Redraw to a target load</translation>
    </message>
    <message>
        <source>按网格数重划</source>
        <translation>Redraw to a number of grids</translation>
    </message>
    <message>
        <source>接受</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>推送到上级平台</source>
        <translation>Push to the central platform</translation>
    </message>
    <message>
        <source>推送到平台…</source>
        <translation>Push to platform…</translation>
    </message>
    <message>
        <source>推送失败</source>
        <translation>Push failed</translation>
    </message>
    <message>
        <source>推送成功</source>
        <translation>Pushed</translation>
    </message>
    <message>
        <source>摘要</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>操作历史</source>
        <translation>Undo history</translation>
    </message>
    <message>
        <source>新增</source>
        <translation>added</translation>
    </message>
    <message>
        <source>新编码</source>
        <translation>New code</translation>
    </message>
    <message>
        <source>新网格</source>
        <translation>New grid</translation>
    </message>
    <message>
        <source>方式</source>
        <translation>Mode</translation>
    </message>
    <message>
        <source>方案历史</source>
        <translation>Plan history</translation>
    </message>
    <message>
        <source>方案有阻断性核查问题，未推送；请先修复，或勾选“忽略阻断性核查问题”</source>
        <translation>The plan has blocking audit findings and was not pushed; fix them, or tick “ignore blocking audit findings”</translation>
    </message>
    <message>
        <source>方案有阻断性核查问题，拒绝导出数据交换包</source>
        <translation>The plan has blocking audit findings; the exchange package is refused</translation>
    </message>
    <message>
        <source>无法编辑</source>
        <translation>Cannot edit</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>最小变动（尽量少调整单元）</source>
        <translation>Minimal change (move as few units as possible)</translation>
    </message>
    <message>
        <source>核查</source>
        <translation>Audit</translation>
    </message>
    <message>
        <source>核查失败</source>
        <translation>Audit failed</translation>
    </message>
    <message>
        <source>核查完成</source>
        <translation>Audit finished</translation>
    </message>
    <message>
        <source>格式</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>正在核查…</source>
        <translation>Auditing…</translation>
    </message>
    <message>
        <source>正在计算…</source>
        <translation>Computing…</translation>
    </message>
    <message>
        <source>步</source>
        <translation>steps</translation>
    </message>
    <message>
        <source>每个综合网格的网格数</source>
        <translation>Grids per comprehensive grid</translation>
    </message>
    <message>
        <source>没有变化</source>
        <translation>No change</translation>
    </message>
    <message>
        <source>沿线拆分</source>
        <translation>Split along line</translation>
    </message>
    <message>
        <source>注意</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>达标</source>
        <translation>In band</translation>
    </message>
    <message>
        <source>个无法达标（单元太大，已证明；可达的最小偏差）</source>
        <translation>cannot reach the band (units too coarse, proven; closest any plan gets)</translation>
    </message>
    <message>
        <source>读取方案文件…</source>
        <translation>Reading the project file…</translation>
    </message>
    <message>
        <source>汇总户数与人员…</source>
        <translation>Rolling up households and workers…</translation>
    </message>
    <message>
        <source>准备地图…</source>
        <translation>Preparing the map…</translation>
    </message>
    <message>
        <source>正在打开方案…</source>
        <translation>Opening the project…</translation>
    </message>
    <message>
        <source>已取消打开</source>
        <translation>Opening cancelled</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>正在保存…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>涉及</source>
        <translation>covering</translation>
    </message>
    <message>
        <source>版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>画笔划入</source>
        <translation>Brush paint</translation>
    </message>
    <message>
        <source>目标户/人</source>
        <translation>Target households per worker</translation>
    </message>
    <message>
        <source>线没有穿过任何要素</source>
        <translation>The line crosses no feature</translation>
    </message>
    <message>
        <source>绘制单元</source>
        <translation>Draw unit</translation>
    </message>
    <message>
        <source>编辑顶点</source>
        <translation>Edit vertices</translation>
    </message>
    <message>
        <source>网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <source>网格划入综合网格</source>
        <translation>Paint grids into comprehensive grid</translation>
    </message>
    <message>
        <source>网格统计</source>
        <translation>Grid tallies</translation>
    </message>
    <message>
        <source>范围无效</source>
        <translation>Invalid scope</translation>
    </message>
    <message>
        <source>范围（社区或综合网格编码）</source>
        <translation>Scope (community or comprehensive grid code)</translation>
    </message>
    <message>
        <source>规划</source>
        <translation>Plan</translation>
    </message>
    <message>
        <source>计算</source>
        <translation>Run</translation>
    </message>
    <message>
        <source>该版本没有保存的副本；请选择文件比较。</source>
        <translation>No saved copy of that version; compare with a file instead.</translation>
    </message>
    <message>
        <source>该问题没有可自动应用的修复建议</source>
        <translation>This finding has no fix that can be applied automatically</translation>
    </message>
    <message>
        <source>请先选择目标网格（Ctrl+单击地图或在层级树中选择）</source>
        <translation>Choose the target grid first (Ctrl+click the map or select it in the tree)</translation>
    </message>
    <message>
        <source>请先选择至少两个网格或网格单元</source>
        <translation>Select at least two grids or grid units first</translation>
    </message>
    <message>
        <source>调整前</source>
        <translation>Before</translation>
    </message>
    <message>
        <source>调整单元</source>
        <translation>Units moved:</translation>
    </message>
    <message>
        <source>调整后</source>
        <translation>After</translation>
    </message>
    <message>
        <source>输出路径</source>
        <translation>Output path</translation>
    </message>
    <message>
        <source>选择一个已保存的版本，与当前方案比较（变化的网格在地图上高亮）。</source>
        <translation>Pick a saved version to compare with the current plan (changed grids are highlighted on the map).</translation>
    </message>
    <message>
        <source>选择方案文件</source>
        <translation>Choose a plan file</translation>
    </message>
    <message>
        <source>重新平衡</source>
        <translation>Rebalance</translation>
    </message>
    <message>
        <source>重新平衡…</source>
        <translation>Rebalance…</translation>
    </message>
    <message>
        <source>锁定的网格编码，逗号分隔</source>
        <translation>Codes of locked grids, comma separated</translation>
    </message>
    <message>
        <source>锁定网格</source>
        <translation>Locked grids</translation>
    </message>
    <message>
        <source>不可达</source>
        <translation>out of reach</translation>
    </message>
    <message>
        <source>个需要增加网格员</source>
        <translation>need more workers</translation>
    </message>
    <message>
        <source>以只读方式打开</source>
        <translation>Opened read-only</translation>
    </message>
    <message>
        <source>允许偏差</source>
        <translation>Tolerance</translation>
    </message>
    <message>
        <source>原属</source>
        <translation>Was in</translation>
    </message>
    <message>
        <source>只读</source>
        <translation>read-only</translation>
    </message>
    <message>
        <source>各组结果</source>
        <translation>Per group</translation>
    </message>
    <message>
        <source>否</source>
        <translation>no</translation>
    </message>
    <message>
        <source>始终显示</source>
        <translation>Always</translation>
    </message>
    <message>
        <source>当前比例尺下不显示</source>
        <translation>Hidden at the current scale</translation>
    </message>
    <message>
        <source>待补充</source>
        <translation>To fill</translation>
    </message>
    <message>
        <source>户/人达标</source>
        <translation>Households per worker in band</translation>
    </message>
    <message>
        <source>放大到该比例尺或更大时才显示此图层（含标注）</source>
        <translation>Show this layer (and its labels) only when zoomed in to this scale or closer</translation>
    </message>
    <message>
        <source>新属</source>
        <translation>Now in</translation>
    </message>
    <message>
        <source>方案设置</source>
        <translation>Plan settings</translation>
    </message>
    <message>
        <source>无法平衡</source>
        <translation>Cannot balance</translation>
    </message>
    <message>
        <source>无网格</source>
        <translation>no grid</translation>
    </message>
    <message>
        <source>是</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>显示比例</source>
        <translation>Visible from</translation>
    </message>
    <message>
        <source>每个社区的综合网格数</source>
        <translation>Comprehensive grids per community</translation>
    </message>
    <message>
        <source>每个综合网格目标户数</source>
        <translation>Target households per comprehensive grid</translation>
    </message>
    <message>
        <source>没有网格员的网格作为待补岗位参与平衡（按 1 名专职计）</source>
        <translation>Grids without a worker take part as vacancies (counted as one full-time worker)</translation>
    </message>
    <message>
        <source>现有平均每个综合网格</source>
        <translation>Today's average per comprehensive grid</translation>
    </message>
    <message>
        <source>移动户数</source>
        <translation>Households moved</translation>
    </message>
    <message>
        <source>综合网格重新平衡</source>
        <translation>Rebalance comprehensive grids</translation>
    </message>
    <message>
        <source>网格 → 综合网格（在每个社区内）</source>
        <translation>Grids → comprehensive grids (inside each community)</translation>
    </message>
    <message>
        <source>网格单元 → 网格（在每个综合网格内）</source>
        <translation>Grid units → grids (inside each comprehensive grid)</translation>
    </message>
    <message>
        <source>网格员安排</source>
        <translation>Workers</translation>
    </message>
    <message>
        <source>自动（±5%；最小变动时按户/人范围）</source>
        <translation>Automatic (±5%; with minimal change, the households-per-worker band)</translation>
    </message>
    <message>
        <source>范围</source>
        <translation>Scope</translation>
    </message>
    <message>
        <source>调整</source>
        <translation>Moved</translation>
    </message>
    <message>
        <source>调整的单元</source>
        <translation>Moved units</translation>
    </message>
    <message>
        <source>锁定</source>
        <translation>Locked</translation>
    </message>
    <message>
        <source>需增员</source>
        <translation>Workers needed</translation>
    </message>
    <message>
        <source>项目正被另一个程序编辑，不能保存到原文件；请用“另存为”</source>
        <translation>Another program is editing the project: it can't be saved over; use "Save As"</translation>
    </message>
    <message>
        <source>阻断</source>
        <translation>blocking</translation>
    </message>
    <message>
        <source>警告</source>
        <translation>warning</translation>
    </message>
    <message>
        <source>提示</source>
        <translation>info</translation>
    </message>
    <message>
        <source>免考核</source>
        <translation>exempt</translation>
    </message>
    <message>
        <source>专属网格不参与户/人配比考核</source>
        <translation>Dedicated grids are exempt from the households-per-worker band</translation>
    </message>
    <message>
        <source>打印布局</source>
        <translation>Print layout</translation>
    </message>
    <message>
        <source>打印布局…</source>
        <translation>Print layout…</translation>
    </message>
    <message>
        <source>横向</source>
        <translation>Landscape</translation>
    </message>
    <message>
        <source>纵向</source>
        <translation>Portrait</translation>
    </message>
    <message>
        <source>适合范围</source>
        <translation>Fit to scope</translation>
    </message>
    <message>
        <source>显示图例</source>
        <translation>Show legend</translation>
    </message>
    <message>
        <source>标题</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>副标题</source>
        <translation>Subtitle</translation>
    </message>
    <message>
        <source>纸张</source>
        <translation>Paper</translation>
    </message>
    <message>
        <source>方向</source>
        <translation>Orientation</translation>
    </message>
    <message>
        <source>分辨率</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <source>制图</source>
        <translation>Made by</translation>
    </message>
    <message>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>打印…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>正在打印…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>地图</source>
        <translation>map</translation>
    </message>
    <message>
        <source>选中要素</source>
        <translation>Selected features</translation>
    </message>
    <message>
        <source>当前视图</source>
        <translation>Current view</translation>
    </message>
    <message>
        <source>整个方案</source>
        <translation>Whole plan</translation>
    </message>
    <message>
        <source>{0} / {1} 行</source>
        <translation>{0} / {1} rows</translation>
    </message>
    <message>
        <source>上级</source>
        <translation>Parent</translation>
    </message>
    <message>
        <source>专兼职</source>
        <translation>Employment</translation>
    </message>
    <message>
        <source>偏差 %</source>
        <translation>Deviation %</translation>
    </message>
    <message>
        <source>公顷</source>
        <translation>ha</translation>
    </message>
    <message>
        <source>属性表</source>
        <translation>Attribute table</translation>
    </message>
    <message>
        <source>户/人分布</source>
        <translation>Households per worker</translation>
    </message>
    <message>
        <source>所属网格</source>
        <translation>Grid</translation>
    </message>
    <message>
        <source>所属网格单元</source>
        <translation>Grid unit</translation>
    </message>
    <message>
        <source>打开属性表</source>
        <translation>Open attribute table</translation>
    </message>
    <message>
        <source>服务电话</source>
        <translation>Service phone</translation>
    </message>
    <message>
        <source>核查此范围</source>
        <translation>Audit this scope</translation>
    </message>
    <message>
        <source>楼栋数</source>
        <translation>Buildings</translation>
    </message>
    <message>
        <source>没有可统计的网格</source>
        <translation>No grids to chart</translation>
    </message>
    <message>
        <source>测量距离</source>
        <translation>Measure distance</translation>
    </message>
    <message>
        <source>测量面积</source>
        <translation>Measure area</translation>
    </message>
    <message>
        <source>目标 {0} 户/人，区间 {1}–{2}；区间内 {3}/{4} 个网格</source>
        <translation>Target {0} households per worker, band {1}–{2}; {3} of {4} grids in band</translation>
    </message>
    <message>
        <source>筛选（任一列包含）…</source>
        <translation>Filter (any column contains)…</translation>
    </message>
    <message>
        <source>缩放到</source>
        <translation>Zoom to</translation>
    </message>
    <message>
        <source>缩放到图层</source>
        <translation>Zoom to layer</translation>
    </message>
    <message>
        <source>距离 {0}</source>
        <translation>Distance {0}</translation>
    </message>
    <message>
        <source>面积 {0}，周长 {1}</source>
        <translation>Area {0}, perimeter {1}</translation>
    </message>
    <message>
        <source>（各范围目标不同，阴影为最常见的区间）</source>
        <translation> (scopes have different targets; the most common band is shaded)</translation>
    </message>
    <message>
        <source>；另有专属网格 {0} 个、无网格员 {1} 个</source>
        <translation>; also {0} dedicated grids and {1} without a worker</translation>
    </message>
    <message>
        <source>Excel 表格</source>
        <translation>Excel workbook</translation>
    </message>
    <message>
        <source>Shapefile（GBK 编码）</source>
        <translation>Shapefile (GBK encoded)</translation>
    </message>
    <message>
        <source>{0} / {1} 个网格</source>
        <translation>{0} / {1} grids</translation>
    </message>
    <message>
        <source>交换包（上报平台）</source>
        <translation>Exchange package (for the platform)</translation>
    </message>
    <message>
        <source>仅显示选中范围</source>
        <translation>Only the selection</translation>
    </message>
    <message>
        <source>作者…</source>
        <translation>Author…</translation>
    </message>
    <message>
        <source>保存版本时记录的作者：</source>
        <translation>Author recorded with each saved version:</translation>
    </message>
    <message>
        <source>启用捕捉</source>
        <translation>Snapping on</translation>
    </message>
    <message>
        <source>容差（屏幕像素）</source>
        <translation>Tolerance (screen pixels)</translation>
    </message>
    <message>
        <source>捕捉到边</source>
        <translation>Snap to edges</translation>
    </message>
    <message>
        <source>捕捉到顶点</source>
        <translation>Snap to vertices</translation>
    </message>
    <message>
        <source>捕捉设置</source>
        <translation>Snapping</translation>
    </message>
    <message>
        <source>捕捉设置…</source>
        <translation>Snapping…</translation>
    </message>
    <message>
        <source>搜索网格名称或编码…</source>
        <translation>Search grid name or code…</translation>
    </message>
    <message>
        <source>输出文件夹</source>
        <translation>Output folder</translation>
    </message>
    <message>
        <source>选择一个输出文件夹</source>
        <translation>Choose an output folder</translation>
    </message>
    <message>
        <source>WMTS 服务</source>
        <translation>WMTS service</translation>
    </message>
    <message>
        <source>读取</source>
        <translation>Load</translation>
    </message>
    <message>
        <source>自动</source>
        <translation>Automatic</translation>
    </message>
    <message>
        <source>清除已保存的密钥</source>
        <translation>Forget the saved token</translation>
    </message>
    <message>
        <source>瓦片为 GCJ-02 坐标（高德等），纠偏后显示</source>
        <translation>GCJ-02 tiles (Gaode etc.): shift into place</translation>
    </message>
    <message>
        <source>能力文档 (URL 或文件)</source>
        <translation>Capabilities (URL or file)</translation>
    </message>
    <message>
        <source>瓦片矩阵集</source>
        <translation>Tile matrix set</translation>
    </message>
    <message>
        <source>请求方式</source>
        <translation>Request encoding</translation>
    </message>
    <message>
        <source>密钥参数名</source>
        <translation>Token parameter</translation>
    </message>
    <message>
        <source>缓存上限</source>
        <translation>Cache limit</translation>
    </message>
    <message>
        <source>已保存在系统钥匙串中</source>
        <translation>Saved in the system keyring</translation>
    </message>
    <message>
        <source>正在读取能力文档…</source>
        <translation>Reading the capabilities…</translation>
    </message>
    <message>
        <source>能力文档已读取：{0} 个图层</source>
        <translation>Capabilities read: {0} layer(s)</translation>
    </message>
    <message>
        <source>默认</source>
        <translation>Default</translation>
    </message>
    <message>
        <source>CJ/T 349-2010 网格编码</source>
        <translation>CJ/T 349-2010 grid codes</translation>
    </message>
    <message>
        <source>经纬度（CGCS2000）</source>
        <translation>Longitude/latitude (CGCS2000)</translation>
    </message>
    <message>
        <source>高斯-克吕格 3° 带</source>
        <translation>Gauss–Krüger 3° zone</translation>
    </message>
    <message>
        <source>高斯-克吕格 3° 带（加带号）</source>
        <translation>Gauss–Krüger 3° zone (zone-prefixed eastings)</translation>
    </message>
    <message>
        <source>编码规范</source>
        <translation>Code profile</translation>
    </message>
    <message>
        <source>坐标系</source>
        <translation>Coordinate system</translation>
    </message>
    <message>
        <source>WMTS 图层</source>
        <translation>Layer</translation>
    </message>
    <message>
        <source>分隔单元的道路等级</source>
        <translation>Road classes that bound units</translation>
    </message>
    <message>
        <source>单元不得跨越的道路等级</source>
        <translation>Road classes a unit never spans</translation>
    </message>
    <message>
        <source>可选：楼栋轮廓面图层（无则按楼栋点剖分）</source>
        <translation>Optional: a building footprint layer (without it, building points are tessellated)</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>无法生成</source>
        <translation>Cannot generate</translation>
    </message>
    <message>
        <source>楼栋轮廓</source>
        <translation>Building footprints</translation>
    </message>
    <message>
        <source>每单元最多户数</source>
        <translation>Most households per unit</translation>
    </message>
    <message>
        <source>每单元最少户数</source>
        <translation>Fewest households per unit</translation>
    </message>
    <message>
        <source>生成失败</source>
        <translation>Generation failed</translation>
    </message>
    <message>
        <source>生成网格单元</source>
        <translation>Generate grid units</translation>
    </message>
    <message>
        <source>生成网格单元…</source>
        <translation>Generate grid units…</translation>
    </message>
    <message>
        <source>绘制预览</source>
        <translation>Drawing the preview</translation>
    </message>
    <message>
        <source>只读：不在签出范围内，提交时会被拒绝</source>
        <translation>Read-only: outside the checked-out scope, a commit would refuse it</translation>
    </message>
    <message>
        <source>签出范围</source>
        <translation>Checked-out scope</translation>
    </message>
    <message>
        <source>租约至</source>
        <translation>lease until</translation>
    </message>
    <message>
        <source>邻近范围只读</source>
        <translation>neighbouring scopes read-only</translation>
    </message>
    <message>
        <source>不在签出范围内</source>
        <translation>outside the checkout's scope</translation>
    </message>
    <message>
        <source>他人签出的范围只读</source>
        <translation>scopes checked out by others are read-only</translation>
    </message>
    <message>
        <source>保存被拒绝，数据库未作任何修改；你的修改仍保留在窗口中（可“另存为”本地文件，重新打开数据库后重做）</source>
        <translation>Save refused, nothing was written to the database; your edits are still in this window (use “Save As” to keep them in a local file, then reopen the database and redo them)</translation>
    </message>
    <message>
        <source>共享数据库地址（不含密码；密码从 PGPASSWORD、~/.pgpass 或系统密钥环读取）：</source>
        <translation>Shared database address (without a password; the password comes from PGPASSWORD, ~/.pgpass or the system keyring):</translation>
    </message>
    <message>
        <source>共享数据库：没有他人签出的范围</source>
        <translation>shared database: no scope is checked out by others</translation>
    </message>
    <message>
        <source>发现该数据库方案上次未保存的自动备份（程序可能异常退出），已另存为本地文件；它不能直接保存回数据库：请打开它查看，把修改重做到数据库方案中</source>
        <translation>Found an unsaved autosave of this database plan (the program may have quit unexpectedly); it was set aside as a local file. It can't be saved back into the database: open it to look, and redo the edits in the database plan</translation>
    </message>
    <message>
        <source>只读：该范围已被他人签出，不能修改</source>
        <translation>Read-only: this scope is checked out by someone else and can't be changed</translation>
    </message>
    <message>
        <source>地址中不要写密码：密码从 PGPASSWORD、~/.pgpass 或系统密钥环读取（gridplanner db password 地址）</source>
        <translation>Don't put the password in the address: it comes from PGPASSWORD, ~/.pgpass or the system keyring (gridplanner db password ADDRESS)</translation>
    </message>
    <message>
        <source>已签出</source>
        <translation>checked out</translation>
    </message>
    <message>
        <source>打开数据库</source>
        <translation>Open Database</translation>
    </message>
    <message>
        <source>打开数据库…</source>
        <translation>Open Database…</translation>
    </message>
    <message>
        <source>数据库地址应以 postgresql:// 开头，例如</source>
        <translation>A database address starts with postgresql://, e.g.</translation>
    </message>
    <message>
        <source>无法读取签出情况</source>
        <translation>Cannot read who has checked out what</translation>
    </message>
    <message>
        <source>由 {owner} 签出至 {until}</source>
        <translation>checked out by {owner} until {until}</translation>
    </message>
    <message>
        <source>数据库方案请用命令推送：gridplanner push 数据库地址 …</source>
        <translation>push a database plan with the command: gridplanner push DATABASE-ADDRESS …</translation>
    </message>
</context>
</TS>
